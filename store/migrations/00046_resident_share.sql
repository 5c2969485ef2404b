-- +goose Up
-- The part of a placement's co-payment the resident pays from their own
-- income (issue 22): the cash desk charges their deposit this, never the
-- relatives' part (they pay the centre, not the resident's account). The
-- decisions on record get it from their explained lines.
ALTER TABLE placements ADD COLUMN resident_share numeric(12, 2);
UPDATE placements SET resident_share = (SELECT coalesce(sum((l ->> 'amount')::numeric), 0)
    FROM jsonb_array_elements(copayment_lines) l WHERE l ->> 'payer' = 'resident')
WHERE copayment_lines IS NOT NULL;

-- +goose Down
ALTER TABLE placements DROP COLUMN resident_share;
