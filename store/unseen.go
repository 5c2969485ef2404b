package store

// unseen is a parameter's placeholder (of type typ) that PostgreSQL does
// not look into when it plans: a scalar subquery, evaluated once at each
// run, which an index condition still uses. A list's statement is then
// planned alike for every value, as the plan PostgreSQL keeps for any
// value is, so it keeps that plan (after five runs it compares the two,
// and the kept one costs no more). With the values in sight it planned a
// list anew at every request whenever the request's values looked
// cheaper than the average (a supervisor's inbox, a worker's own tasks,
// the team's and the overdue cases: 0.2-1 ms of planning for 0.3 ms of
// reading, issue 24), or not, by the data. A page's size unseen is taken
// for a tenth of the matching rows, so the page is read in the index's
// order rather than all of a manager's open cases gathered and sorted.
// The conditions the partial indexes name (the open state) stay literal
// in the text. TestListPagesReuseTheirPlans checks that the plan is kept.
func unseen(placeholder, typ string) string { return "(SELECT " + placeholder + "::" + typ + ")" }
