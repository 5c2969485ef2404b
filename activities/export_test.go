package activities

import "context"

// DecisionText is a claim's decision as its PDF says it, block by block
// (decisionText), for tests that read the words.
func (a *Activities) DecisionText(ctx context.Context, number string, reasons []string) ([]string, error) {
	c, err := a.DB.ClaimByNumber(ctx, number)
	if err != nil {
		return nil, err
	}
	d, err := a.DB.DecisionOfClaim(ctx, number)
	if err != nil {
		return nil, err
	}
	lines, err := a.decisionText(ctx, c, d, reasons)
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.Text
	}
	return out, err
}
