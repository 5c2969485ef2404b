-- +goose Up
-- The register of licensed professional workers and their e-learning
-- (issue 21, item 2). A professional is a staff user (by username): the
-- professional exam, licences to work, courses as versioned content, the
-- enrolments and the tests taken (a passed test credits the course's
-- hours on its day), and the warnings of a licence short of hours (one per
-- licence and recipient).
CREATE TABLE professionals (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username         text NOT NULL UNIQUE,
    centre_id        text NOT NULL,
    exam_passed_on   date,
    exam_recorded_by text,
    created_by       text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX professionals_centre ON professionals (centre_id);

CREATE TABLE professional_licences (
    number          text PRIMARY KEY,
    professional_id bigint NOT NULL REFERENCES professionals (id),
    valid_from      date NOT NULL,
    valid_until     date NOT NULL CHECK (valid_until >= valid_from),
    recorded_by     text NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX professional_licences_professional ON professional_licences (professional_id);
CREATE INDEX professional_licences_until ON professional_licences (valid_until);

-- A version once published is never changed: a change is a new version.
CREATE TABLE courses (
    code         text NOT NULL,
    version      int NOT NULL CHECK (version > 0),
    content      jsonb NOT NULL,
    hours        numeric(5, 2) NOT NULL CHECK (hours > 0),
    pass_mark    int NOT NULL CHECK (pass_mark BETWEEN 1 AND 100),
    published_by text NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (code, version)
);

CREATE TABLE course_enrolments (
    username    text NOT NULL,
    code        text NOT NULL,
    version     int NOT NULL,
    enrolled_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (username, code, version),
    FOREIGN KEY (code, version) REFERENCES courses (code, version)
);

CREATE TABLE course_attempts (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username     text NOT NULL,
    code         text NOT NULL,
    version      int NOT NULL,
    answers      int[] NOT NULL,
    right_count  int NOT NULL,
    total        int NOT NULL,
    passed       boolean NOT NULL,
    hours        numeric(5, 2) NOT NULL, -- credited: the course's on a pass, else 0
    credited_on  date NOT NULL,
    attempted_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (username, code, version) REFERENCES course_enrolments (username, code, version)
);
-- A version's hours are credited once.
CREATE UNIQUE INDEX course_attempts_passed ON course_attempts (username, code, version) WHERE passed;

CREATE TABLE licence_warnings (
    licence_number  text NOT NULL REFERENCES professional_licences (number),
    recipient       text NOT NULL,
    professional_id bigint NOT NULL REFERENCES professionals (id),
    centre_id       text NOT NULL,
    hours           numeric(7, 2) NOT NULL,
    required        numeric(7, 2) NOT NULL,
    warned_on       date NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (licence_number, recipient)
);
CREATE INDEX licence_warnings_recipient ON licence_warnings (recipient);

-- +goose Down
DROP TABLE licence_warnings;
DROP TABLE course_attempts;
DROP TABLE course_enrolments;
DROP TABLE courses;
DROP TABLE professional_licences;
DROP TABLE professionals;
