package devstack

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/professionals"
	"github.com/karton-social/karton/store"
)

// The demo's professionals and courses (issue 21, item 2): three courses
// in both languages; five caseworkers on the register. Ana Radović's
// licence ends in 59 days with 8 of 60 hours (she and her centre's head
// are warned at once), Ivan Bošković passed the exam but holds no licence
// (a guardianship may not be given to him), the others hold licences in
// force.

type demoText = professionals.Text

func demoQuestion(cnr, en string, answer int, options ...demoText) professionals.Question {
	return professionals.Question{Text: demoText{CNR: cnr, EN: en}, Options: options, Answer: answer}
}

var demoCourses = []professionals.Course{
	{Code: "ethics", Title: demoText{CNR: "Profesionalna etika u socijalnom radu", EN: "Professional ethics in social work"},
		Body: demoText{CNR: "Stručni radnik poštuje dostojanstvo i privatnost korisnika, čuva povjerljive podatke i postupa nepristrasno. Podatke o korisniku dijeli samo sa onima kojima su potrebni za rad na predmetu, a sukob interesa prijavljuje rukovodiocu.",
			EN: "A professional respects the dignity and privacy of the people served, keeps their data confidential and acts impartially. Data about a person is shared only with those who need it for the case, and a conflict of interest is reported to the head."},
		Hours: decimal.NewFromInt(8), PassMark: 67, Questions: []professionals.Question{
			demoQuestion("Kome se smiju dati podaci o korisniku?", "Who may be given data about a person served?", 1,
				demoText{CNR: "Svakom zaposlenom u centru", EN: "Anyone working at the centre"}, demoText{CNR: "Onima kojima su potrebni za rad na predmetu", EN: "Those who need it for the case"}, demoText{CNR: "Novinarima na zahtjev", EN: "Journalists who ask"}),
			demoQuestion("Šta radite kada postoji sukob interesa?", "What do you do about a conflict of interest?", 0,
				demoText{CNR: "Prijavljujem ga rukovodiocu", EN: "Report it to the head"}, demoText{CNR: "Ništa, ako sam nepristrasan", EN: "Nothing, if I am impartial"}),
			demoQuestion("Da li se dostojanstvo korisnika poštuje i kada je nesaradljiv?", "Is a person's dignity respected when they do not cooperate?", 0,
				demoText{CNR: "Da, uvijek", EN: "Yes, always"}, demoText{CNR: "Ne", EN: "No"}),
		}},
	{Code: "child-protection", Title: demoText{CNR: "Zaštita djece od zlostavljanja i zanemarivanja", EN: "Protecting children from abuse and neglect"},
		Body: demoText{CNR: "Sumnja na zlostavljanje djeteta prijavljuje se odmah. Procjena bezbjednosti se radi u roku od 24 sata, a dijete se sasluša u prisustvu lica od povjerenja, na način primjeren uzrastu.",
			EN: "A suspicion of child abuse is reported at once. The safety assessment is made within 24 hours, and the child is heard with a trusted person present, in a way suited to their age."},
		Hours: decimal.NewFromInt(12), PassMark: 100, Questions: []professionals.Question{
			demoQuestion("U kom roku se radi procjena bezbjednosti?", "When is the safety assessment made?", 0,
				demoText{CNR: "U roku od 24 sata", EN: "Within 24 hours"}, demoText{CNR: "U roku od 30 dana", EN: "Within 30 days"}),
			demoQuestion("Ko je prisutan kada se dijete saslušava?", "Who is present when the child is heard?", 1,
				demoText{CNR: "Niko", EN: "Nobody"}, demoText{CNR: "Lice od povjerenja", EN: "A trusted person"}),
		}},
	{Code: "dv-risk", Title: demoText{CNR: "Procjena rizika od nasilja u porodici", EN: "Assessing the risk of domestic violence"},
		Body: demoText{CNR: "Rizik se procjenjuje na prvom kontaktu i nakon svake nove prijave. Prijetnje oružjem, ranije nasilje i skoro razdvajanje ukazuju na visok rizik.",
			EN: "The risk is assessed at the first contact and after every new report. Threats with a weapon, earlier violence and a recent separation point to a high risk."},
		Hours: decimal.NewFromInt(10), PassMark: 50, Questions: []professionals.Question{
			demoQuestion("Šta ukazuje na visok rizik?", "What points to a high risk?", 2,
				demoText{CNR: "Stalno zaposlenje", EN: "Steady employment"}, demoText{CNR: "Dugo trajanje braka", EN: "A long marriage"}, demoText{CNR: "Prijetnje oružjem", EN: "Threats with a weapon"}),
			demoQuestion("Kada se rizik ponovo procjenjuje?", "When is the risk assessed again?", 0,
				demoText{CNR: "Nakon svake nove prijave", EN: "After every new report"}, demoText{CNR: "Jednom godišnje", EN: "Once a year"}),
		}},
}

// demoProfessionals: whom, and their licence's first day in days from
// today (0: no licence).
var demoProfessionals = []struct {
	username string
	from     func(today time.Time) time.Time
}{
	{"ana.caseworker", func(t time.Time) time.Time { return t.AddDate(-professionals.LicenceYears, 0, 60) }}, // ends in 59 days
	{"ivan.caseworker", nil},
	{"jelena.caseworker", func(t time.Time) time.Time { return t.AddDate(-2, 0, 0) }},
	{"dragana.dv", func(t time.Time) time.Time { return t.AddDate(-1, 0, 0) }},
	{"mila.caseworker", func(t time.Time) time.Time { return t.AddDate(-3, 0, 0) }},
}

// LoadDemoLearning publishes the demo courses and puts the demo
// professionals on the register unless they are there; Ana passes the
// ethics course; then today's licence warnings are made. It returns how
// many professionals it recorded.
func LoadDemoLearning(ctx context.Context, db *store.DB, today time.Time) (int, error) {
	for _, c := range demoCourses {
		if _, err := db.Course(ctx, c.Code, 0); err == nil {
			continue
		}
		if _, err := db.PublishCourse(ctx, c, "goran.ministry"); err != nil {
			return 0, fmt.Errorf("demo course %s: %w", c.Code, err)
		}
	}
	n := 0
	for i, d := range demoProfessionals {
		u, _ := domain.DemoUser(d.username)
		p, err := db.CreateProfessional(ctx, store.Professional{Username: u.Username, CentreID: u.CentreID, CreatedBy: "goran.ministry"})
		if domain.ErrorCode(err) == domain.CodeConflict {
			continue // loaded before
		}
		if err != nil {
			return n, err
		}
		n++
		if _, err := db.RecordExam(ctx, p.ID, today.AddDate(-7, 0, 0), "goran.ministry"); err != nil {
			return n, err
		}
		if d.from == nil {
			continue
		}
		from := d.from(today)
		l := store.ProfessionalLicence{Licence: professionals.Licence{Number: fmt.Sprintf("LR-DEMO-%03d", i+1), ValidFrom: from,
			ValidUntil: professionals.ValidUntil(from)}, RecordedBy: "goran.ministry"}
		if _, err := db.AddProfessionalLicence(ctx, p.ID, l); err != nil {
			return n, err
		}
	}
	if n > 0 {
		if err := db.Enrol(ctx, "ana.caseworker", "ethics", 1); err != nil {
			return n, err
		}
		if _, err := db.RecordAttempt(ctx, "ana.caseworker", "ethics", 1, []int{1, 0, 0}, today.AddDate(0, -3, 0)); err != nil {
			return n, err
		}
	}
	a := &activities.Activities{DB: db}
	if _, err := a.WarnShortLicences(ctx, activities.LicenceWarningsInput{Day: today.Format(time.DateOnly)}); err != nil {
		return n, err
	}
	return n, nil
}
