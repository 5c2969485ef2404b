// Package api is Karton's HTTP API: Gin routes over the store and the
// Temporal client, JSON in snake_case, one place that turns errors into
// status codes, and the OpenAPI document of every route. Every route but
// health, metrics and the document itself demands an OIDC access token,
// is authorised by the Casbin policy and, where it touches a person's
// data, written to the hash-chained audit log.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/xroad"
	"github.com/karton-social/karton/objects"
	"github.com/karton-social/karton/policies"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// Check is one dependency /readyz asks about.
type Check struct {
	Name string
	Fn   func(ctx context.Context) error
}

// TokenIssuer signs tokens for demo users: `karton dev`'s development
// issuer, behind POST /dev/token. Nil in production: the route does not exist.
type TokenIssuer interface {
	Token(u domain.User) (string, error)
}

// Deps is what the API needs.
type Deps struct {
	DB       *store.DB
	Temporal client.Client
	Log      *slog.Logger
	// Ready lists the dependencies /readyz checks.
	Ready []Check
	// Middleware runs first on every request: the platform's tracing and
	// request metrics.
	Middleware []gin.HandlerFunc
	// Metrics serves /metrics; nil leaves the route out.
	Metrics http.Handler
	// Objects keeps documents; nil disables uploads and decision PDFs.
	Objects *objects.Store
	// Deadlines of claims; zero takes the workflow's defaults.
	Deadlines workflows.Deadlines
	// Verifier checks access tokens; nil refuses every token.
	Verifier *Verifier
	// Enforcer answers the policy; nil loads the embedded policy.
	Enforcer *policies.Enforcer
	// DevIssuer, when set, adds POST /dev/token.
	DevIssuer TokenIssuer
	// Codec, when it has a codec, adds the Temporal Web UI's codec endpoint (/codec).
	Codec CodecEndpoint
	// Registerer takes the API's own metrics (refused requests); nil keeps
	// them unregistered.
	Registerer prometheus.Registerer
	// TrustedProxies are the addresses (CIDR) whose X-Forwarded-For names
	// the client; nil trusts none, so a client cannot pick the address its
	// requests are rate-limited by.
	TrustedProxies []string
	// Registry asks the registries synchronously where a request must be
	// checked against them before anything is recorded (an employer's
	// employee in the pension fund's register); nil answers 503 there.
	Registry *xroad.Client
	// PaymentDay is the day from which a month itself may be paid (0:
	// domain.DefaultPaymentDay); Now is the clock payrolls are checked by
	// (nil: time.Now).
	PaymentDay int
	Now        func() time.Time
}

type handler struct {
	db        *store.DB
	tc        client.Client
	objects   *objects.Store
	log       *slog.Logger
	deadlines workflows.Deadlines
	enforcer  *policies.Enforcer
	issuer    TokenIssuer
	registry  *xroad.Client
	// paymentDay and now say which months a payroll may pay (domain.PayablePeriod).
	paymentDay int
	now        func() time.Time
}

// Route is one protected route: what it is, which resource and action the
// policy decides it by, and why people use it: Purpose, a code, is the
// audit's purpose when the request names none (see Route.Purposes).
type Route struct {
	Method, Path string
	Resource     string
	Action       string
	Audited      bool // touches a person's data: every request is written to the audit log
	Purpose      string
	handle       func(h *handler) gin.HandlerFunc
}

// Routes is the table of every protected route; New registers exactly these.
func Routes() []Route {
	return []Route{
		{"POST", "/api/v1/persons", "person", "create", true, "registration", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.createPerson) }},
		{"GET", "/api/v1/persons", "person", "read", true, "person_search", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.searchPersons) }},
		{"GET", "/api/v1/persons/:id", "person", "read", true, "e_file", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.personFile) }},
		{"POST", "/api/v1/persons/:id/evidence/refresh", "evidence", "refresh", true, "evidence_refresh", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusAccepted, h.refreshEvidence) }},
		{"POST", "/api/v1/persons/:id/register-values", "person", "update", true, "register_values", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.takeRegisterValues) }},
		{"POST", "/api/v1/persons/:id/corrections", "person", "update", true, "person_correction", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.correctPerson) }},
		{"GET", "/api/v1/benefits", "catalogue", "read", false, "catalogue", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, listBenefits) }},
		{"POST", "/api/v1/claims", "claim", "create", true, "benefit_claim", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.createClaim) }},
		{"GET", "/api/v1/claims/:number", "claim", "read", true, "benefit_claim", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.getClaim) }},
		{"POST", "/api/v1/claims/:number/withdraw", "claim", "update", true, "benefit_claim", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.withdrawClaim) }},
		{"POST", "/api/v1/claims/:number/documents", "claim", "update", true, "claim_evidence", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.uploadDocument) }},
		{"GET", "/api/v1/decisions/:id/document", "decision", "read", true, "decision", func(h *handler) gin.HandlerFunc { return stream(h, h.decisionDocument) }},
		{"POST", "/api/v1/decisions/:id/delivery", "decision", "deliver", true, "decision_delivery", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.recordDelivery) }},
		{"GET", "/api/v1/decisions/:id/appeals", "appeal", "read", true, "appeal_procedure", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.decisionAppeals) }},
		{"POST", "/api/v1/decisions/:id/appeals", "appeal", "create", true, "appeal_procedure", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusAccepted, h.fileAppeal) }},
		{"GET", "/api/v1/appeal-decisions/:id/document", "appeal", "read", true, "appeal_procedure", func(h *handler) gin.HandlerFunc { return stream(h, h.appealDecisionDocument) }},
		{"GET", "/api/v1/tasks", "task", "read", true, "inbox", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.listTasks) }},
		{"GET", "/api/v1/tasks/workload", "task", "assign", false, "inbox", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.taskWorkload) }},
		{"POST", "/api/v1/tasks/reassign", "task", "assign", true, "task_reassignment", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.reassignTasks) }},
		{"POST", "/api/v1/tasks/:id/claim", "task", "update", true, "inbox", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.claimTask) }},
		{"POST", "/api/v1/tasks/:id/release", "task", "update", true, "inbox", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.releaseTask) }},
		{"POST", "/api/v1/tasks/:id/delegate", "task", "update", true, "inbox", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.delegateTask) }},
		{"POST", "/api/v1/tasks/:id/complete", "task", "update", true, "task_outcome", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.completeTask) }},
		{"GET", "/api/v1/me/access-log", "access_log", "read", true, "own_access_log", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.myAccessLog) }},
		{"GET", "/api/v1/payrolls", "payroll", "read", false, "payroll", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.listPayrolls) }},
		{"POST", "/api/v1/payrolls", "payroll", "create", true, "payroll", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusAccepted, h.startPayroll) }},
		{"GET", "/api/v1/payrolls/:period", "payroll", "read", true, "payroll", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.getPayroll) }},
		{"GET", "/api/v1/payrolls/:period/summary.csv", "payroll", "read", true, "payroll_report", func(h *handler) gin.HandlerFunc { return stream(h, h.payrollSummaryCSV) }},
		{"GET", "/api/v1/payrolls/:period/files/:name", "payroll", "read", true, "payment_file", func(h *handler) gin.HandlerFunc { return stream(h, h.paymentFile) }},
		{"POST", "/api/v1/payrolls/:period/submit", "payroll", "submit", true, "payroll", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.submitPayroll) }},
		{"POST", "/api/v1/payrolls/:period/bank-files", "payroll", "reconcile", true, "payroll_reconciliation", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.uploadBankFiles) }},
		{"POST", "/api/v1/payrolls/:period/approve", "payroll", "approve", true, "payroll", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.approvePayroll) }},
		// The electricity subsidy's monthly list for the power utility (issue 21 item 6, electricity.go).
		{"GET", "/api/v1/electricity-lists", "electricity", "read", false, "electricity_subsidy", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.listElectricity) }},
		{"POST", "/api/v1/electricity-lists", "electricity", "create", false, "electricity_subsidy", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusAccepted, h.startElectricity) }},
		{"GET", "/api/v1/electricity-lists/:period", "electricity", "read", false, "electricity_subsidy", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.getElectricity) }},
		{"GET", "/api/v1/electricity-lists/:period/households", "electricity", "read", true, "electricity_subsidy", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.electricityHouseholds) }},
		{"POST", "/api/v1/electricity-lists/:period/submit", "electricity", "submit", false, "electricity_subsidy", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.submitElectricity) }},
		{"POST", "/api/v1/electricity-lists/:period/approve", "electricity", "approve", false, "electricity_subsidy", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.approveElectricity) }},
		{"POST", "/api/v1/electricity-lists/:period/discounts", "electricity", "reconcile", true, "electricity_subsidy", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.uploadElectricityDiscounts) }},
		{"GET", "/api/v1/electricity-lists/:period/reconciliation", "electricity", "read", true, "electricity_subsidy", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.getElectricityReconciliation) }},
		// The farmers' old-age allowance from the Ministry of Agriculture (issue 21 item 6, agriculture.go).
		{"POST", "/api/v1/exchanges/agriculture", "agriculture", "create", true, "agriculture_import", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.importAgriculture) }},
		{"GET", "/api/v1/exchanges/agriculture", "agriculture", "read", false, "agriculture_import", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.listAgricultureFiles) }},
		{"GET", "/api/v1/exchanges/agriculture/:id", "agriculture", "read", false, "agriculture_import", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.getAgricultureFile) }},
		{"POST", "/api/v1/parameters", "parameter", "create", false, "parameters", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.proposeParameter) }},
		{"GET", "/api/v1/parameters", "parameter", "read", false, "parameters", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.listParameters) }},
		{"POST", "/api/v1/parameters/:id/approve", "parameter", "approve", false, "parameters", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusAccepted, h.approveParameter) }},
		{"GET", "/api/v1/reassessments/:id", "parameter", "read", false, "parameters", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.getReassessment) }},
		{"GET", "/api/v1/procedures", "catalogue", "read", false, "catalogue", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, listProcedures) }},
		{"GET", "/api/v1/procedures/:code", "catalogue", "read", false, "catalogue", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, getProcedure) }},
		{"POST", "/api/v1/cases", "case", "create", true, "case_intake", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusAccepted, h.createCase) }},
		{"GET", "/api/v1/cases", "case", "read", true, "case_list", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.listCases) }},
		{"GET", "/api/v1/cases/:number", "case", "read", true, "case", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.getCase) }},
		{"POST", "/api/v1/cases/:number/stages/:stage", "case", "update", true, "case", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.submitStage) }},
		{"POST", "/api/v1/cases/:number/actions", "case", "update", true, "case", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.caseAction) }},
		{"POST", "/api/v1/cases/:number/reopen", "case", "update", true, "case", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusAccepted, h.reopenCase) }},
		{"POST", "/api/v1/violence-notifications", "dv_notification", "create", true, "police_notification", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusAccepted, h.createViolenceNotification) }},
		{"GET", "/api/v1/violence-notifications/:reference", "dv_notification", "read", true, "dv_register", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.getViolenceNotification) }},
		{"POST", "/api/v1/violence-notifications/:reference/updates", "dv_notification", "update", true, "police_update", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusAccepted, h.policeUpdate) }},
		{"POST", "/api/v1/violence-notifications/:reference/case", "dv_case", "create", true, "case_intake", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.linkDVCase) }},
		{"POST", "/api/v1/violence-reports", "dv_report", "create", true, "police_report", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusAccepted, h.createViolenceReport) }},
		{"GET", "/api/v1/dv-register", "dv_register", "read", true, "dv_register", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.dvRegister) }},
		// The registers of guardians, foster carers and beneficiaries for the staff (issue 21, items 3 and 4).
		{"GET", "/api/v1/registers/guardians", "carer_register", "read", true, "carer_register", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.guardianRegister) }},
		{"GET", "/api/v1/registers/foster-carers", "carer_register", "read", true, "carer_register", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.fosterCarerRegister) }},
		{"POST", "/api/v1/registers/carers/:id/assessments", "carer_register", "create", true, "carer_register", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.recordCarerAssessment) }},
		{"GET", "/api/v1/registers/beneficiaries", "beneficiary_register", "read", true, "beneficiary_register", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.beneficiaryRegister) }},
		{"GET", "/api/v1/statistics/violence", "dv_statistics", "read", false, "dv_statistics", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.violenceStatistics) }},
		{"GET", "/api/v1/bi/:fact", "bi", "read", false, "statistics", func(h *handler) gin.HandlerFunc { return stream(h, h.pivot) }},
		{"GET", "/api/v1/bi/reports/:name", "bi", "read", false, "statistics", func(h *handler) gin.HandlerFunc { return stream(h, h.standardReport) }},
		{"GET", "/api/v1/bi/controls/:name", "bi", "read", true, "control_report", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.controlReport) }},
		{"GET", "/api/v1/bi/annual/:centre", "bi", "read", false, "statistics", func(h *handler) gin.HandlerFunc { return stream(h, h.annualReport) }},
		{"POST", "/api/v1/activation/referrals", "activation", "create", true, "activation_referral", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusAccepted, h.createReferral) }},
		{"GET", "/api/v1/activation/referrals", "activation", "read", true, "activation_referrals", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.listReferrals) }},
		{"GET", "/api/v1/activation/referrals/:id", "activation", "read", true, "activation_referral", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.getReferral) }},
		{"POST", "/api/v1/activation/referrals/:id/steps", "activation", "report", true, "activation_step", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusAccepted, h.reportStep) }},
		{"GET", "/api/v1/activation-decisions/:id/document", "activation_decision", "read", true, "activation_decision", func(h *handler) gin.HandlerFunc { return stream(h, h.activationDecisionDocument) }},
		{"GET", "/api/v1/case-decisions/:id/document", "case", "read", true, "case_decision", func(h *handler) gin.HandlerFunc { return stream(h, h.caseDecisionDocument) }},
		{"GET", "/api/v1/reports/cases", "case_report", "read", false, "case_report", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.caseReport) }},
		{"GET", "/api/v1/audit/misuse", "audit", "read", true, "misuse_report", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.misuseReport) }},
		{"GET", "/api/v1/audit/persons/:id/access-log", "audit", "read", true, "audit_access_log", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.personAccessLog) }},
		{"GET", "/api/v1/changes", "change", "read", true, "change_events", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.listChanges) }},
		{"GET", "/api/v1/revisions", "revision_board", "read", true, "revision_board", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.listRevisions) }},
		{"GET", "/api/v1/entitlements/:id/revisions", "revision", "read", true, "revision", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.getRevisions) }},
		{"POST", "/api/v1/entitlements/:id/revisions", "revision", "create", true, "revision", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusAccepted, h.startRevision) }},
		{"POST", "/api/v1/refund-leaves", "refund", "create", true, "refund", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.fileLeave) }},
		{"GET", "/api/v1/refund-leaves", "refund", "read", true, "refund", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.listLeaves) }},
		{"GET", "/api/v1/refund-leaves/:number", "refund", "read", true, "refund", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.getLeave) }},
		{"POST", "/api/v1/refund-leaves/:number/claims", "refund", "update", true, "refund", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusAccepted, h.fileMonth) }},
		{"POST", "/api/v1/refund-leaves/:number/end", "refund", "update", true, "refund", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusAccepted, h.endLeave) }},
		{"GET", "/api/v1/refund-decisions/:id/document", "refund", "read", true, "refund_decision", func(h *handler) gin.HandlerFunc { return stream(h, h.refundDecisionDocument) }},
		{"GET", "/api/v1/me", "portal", "read", true, "own_file", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.myFile) }},
		{"POST", "/api/v1/me/evidence/refresh", "portal", "refresh", true, "own_evidence_refresh", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusAccepted, h.refreshMine) }},
		{"POST", "/api/v1/me/claims", "portal", "apply", true, "online_claim", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.applyOnline) }},
		{"GET", "/api/v1/documents/:id", "claim", "read", true, "claim_evidence", func(h *handler) gin.HandlerFunc { return stream(h, h.claimDocument) }},
		{"POST", "/api/v1/providers", "provider", "create", true, "provider_register", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.createProvider) }},
		{"GET", "/api/v1/providers/:id", "provider", "read", true, "provider_register", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.getProvider) }},
		{"POST", "/api/v1/providers/:id/licences", "provider", "update", true, "provider_register", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.addLicence) }},
		{"POST", "/api/v1/providers/:id/licences/:number/withdraw", "provider", "update", true, "provider_register", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.withdrawLicence) }},
		// Licensing by e-application (issue 21 item 1; api/licensing.go): maintainers file, officers inspect, draft and approve.
		{"POST", "/api/v1/licence-applications", "licence_application", "create", true, "licensing", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.fileLicenceApplication) }},
		{"GET", "/api/v1/licence-applications", "licence_application", "read", true, "licensing", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.listLicenceApplications) }},
		{"GET", "/api/v1/licence-applications/:id", "licence_application", "read", true, "licensing", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.getLicenceApplication) }},
		{"POST", "/api/v1/licence-applications/:id/documents", "licence_application", "update", true, "licensing", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.submitRenewalDocuments) }},
		{"GET", "/api/v1/licence-applications/:id/documents/:kind", "licence_application", "read", true, "licensing", func(h *handler) gin.HandlerFunc { return stream(h, h.licenceDocument) }},
		{"POST", "/api/v1/licence-applications/:id/inspection", "licence_application", "inspect", true, "licensing", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.recordLicenceInspection) }},
		{"POST", "/api/v1/licence-applications/:id/draft", "licence_application", "decide", true, "licensing", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.draftLicenceDecision) }},
		{"POST", "/api/v1/licence-applications/:id/approval", "licence_application", "approve", true, "licensing", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.approveLicenceDecision) }},
		{"GET", "/api/v1/licence-applications/:id/decision", "licence_application", "read", true, "licensing", func(h *handler) gin.HandlerFunc { return stream(h, h.licenceDecisionDocument) }},
		// The register of licensed professionals and their e-learning (issue 21, item 2).
		{"POST", "/api/v1/professionals", "professional_register", "create", true, "professional_register", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.createProfessional) }},
		{"GET", "/api/v1/professionals", "professional_register", "read", true, "professional_register", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.listProfessionals) }},
		{"GET", "/api/v1/professionals/:id", "professional_register", "read", true, "professional_register", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.getProfessional) }},
		{"POST", "/api/v1/professionals/:id/exam", "professional_register", "update", true, "professional_register", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.recordExam) }},
		{"POST", "/api/v1/professionals/:id/licences", "professional_register", "update", true, "professional_register", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.addProfessionalLicence) }},
		{"GET", "/api/v1/me/professional", "professional_register", "read_own", true, "own_professional_record", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.myProfessional) }},
		{"GET", "/api/v1/courses", "learning", "read", false, "learning", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.listCourses) }},
		{"POST", "/api/v1/courses", "learning", "publish", false, "learning", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.publishCourse) }},
		{"GET", "/api/v1/courses/:code", "learning", "read", false, "learning", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.getCourse) }},
		{"POST", "/api/v1/courses/:code/enrolment", "learning", "enrol", true, "learning", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.enrol) }},
		{"POST", "/api/v1/courses/:code/attempts", "learning", "complete", true, "learning", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.takeTest) }},
		// Inspections during a licence, fines, suspension (issue 21 item 1; api/inspections.go), and the providers in force.
		{"GET", "/api/v1/providers", "provider_in_force", "read", false, "placement", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.providersInForce) }},
		{"GET", "/api/v1/providers/:id/supervision", "provider_inspection", "read", true, "provider_supervision", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.providerSupervision) }},
		{"POST", "/api/v1/providers/:id/licences/:number/inspections", "provider_inspection", "create", true, "provider_supervision", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.scheduleInspection) }},
		{"POST", "/api/v1/providers/:id/licences/:number/inspections/:inspection/findings", "provider_inspection", "update", true, "provider_supervision", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.recordFindings) }},
		{"POST", "/api/v1/providers/:id/licences/:number/inspections/:inspection/fines", "provider_inspection", "update", true, "provider_supervision", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.proposeFine) }},
		{"POST", "/api/v1/providers/:id/licences/:number/fines/:fine/decide", "provider_inspection", "approve", true, "provider_supervision", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.decideFine) }},
		{"POST", "/api/v1/providers/:id/licences/:number/fines/:fine/appeal", "provider_inspection", "update", true, "provider_supervision", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.fileFineAppeal) }},
		{"POST", "/api/v1/providers/:id/licences/:number/fines/:fine/appeal/outcome", "provider_inspection", "approve", true, "provider_supervision", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.decideFineAppeal) }},
		{"POST", "/api/v1/providers/:id/licences/:number/suspend", "provider", "update", true, "provider_supervision", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.suspendLicence) }},
		{"POST", "/api/v1/providers/:id/licences/:number/lift-suspension", "provider", "update", true, "provider_supervision", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.liftSuspension) }},
		// The residential institutions' capacity and statistics (issue 22 items 1 and 6; api/institutions.go).
		{"GET", "/api/v1/institutions", "institution_capacity", "read", false, "institution_capacity", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.listInstitutions) }},
		{"GET", "/api/v1/institutions/:id", "institution", "read", true, "institution", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.getInstitution) }},
		{"POST", "/api/v1/institutions/:id/units", "institution", "update", false, "institution", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.addUnit) }},
		{"POST", "/api/v1/institutions/:id/units/:unit/rooms", "institution", "update", false, "institution", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.addRoom) }},
		{"POST", "/api/v1/institutions/:id/rooms/:room/beds", "institution", "update", false, "institution", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.addBed) }},
		{"PUT", "/api/v1/institutions/:id/beds/:bed", "institution", "update", false, "institution", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.updateBed) }},
		{"GET", "/api/v1/institutions/:id/occupancy", "institution", "read", false, "institution", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.occupancy) }},
		{"GET", "/api/v1/free-beds", "institution_capacity", "read", false, "institution_capacity", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.freeBeds) }},
		{"GET", "/api/v1/institution-statistics", "institution_stats", "read", false, "institution_statistics", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.institutionStatistics) }},
		// The gatehouse of a residential institution (issue 22 item 5; api/gatehouse.go): visits, leaves and returns.
		{"GET", "/api/v1/gatehouse/residents", "gatehouse", "read", true, "gatehouse", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.gateResidents) }},
		{"GET", "/api/v1/gatehouse/visits", "gatehouse", "read", true, "gatehouse", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.listVisits) }},
		{"POST", "/api/v1/gatehouse/visits", "gatehouse", "create", true, "gatehouse", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.logVisit) }},
		{"POST", "/api/v1/gatehouse/visits/:id/departure", "gatehouse", "update", true, "gatehouse", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.recordDeparture) }},
		{"GET", "/api/v1/gatehouse/leaves", "gatehouse", "read", true, "gatehouse", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.listGateLeaves) }},
		{"POST", "/api/v1/gatehouse/leaves", "gatehouse", "create", true, "gatehouse", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.recordGateLeave) }},
		{"POST", "/api/v1/gatehouse/leaves/:id/return", "gatehouse", "update", true, "gatehouse", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.recordReturn) }},
		// Placements (issue 22 item 2; api/placements.go): the centre proposes, refers, decides and reviews; the institution answers and admits.
		{"POST", "/api/v1/placements", "placement", "create", true, "placement", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.createPlacement) }},
		{"GET", "/api/v1/placements", "placement", "read", true, "placement", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.listPlacements) }},
		{"GET", "/api/v1/placements/:id", "placement", "read", true, "placement", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.getPlacement) }},
		{"POST", "/api/v1/placements/:id/referral", "placement", "update", true, "placement", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.referPlacement) }},
		{"POST", "/api/v1/placements/:id/answer", "placement", "decide", true, "placement", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.answerPlacement) }},
		{"POST", "/api/v1/placements/:id/decision", "placement", "update", true, "placement", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.draftPlacementDecision) }},
		{"GET", "/api/v1/placements/:id/decision", "placement", "read", true, "placement", func(h *handler) gin.HandlerFunc { return stream(h, h.placementDecisionDocument) }},
		{"POST", "/api/v1/placements/:id/decision/approve", "placement", "approve", true, "placement", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.approvePlacementDecision) }},
		{"POST", "/api/v1/placements/:id/admission", "placement", "admit", true, "placement", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.admitPlacement) }},
		{"POST", "/api/v1/placements/:id/reviews", "placement", "update", true, "placement", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.reviewPlacement) }},
		{"POST", "/api/v1/placements/:id/discharge", "placement", "update", true, "placement", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.dischargePlacement) }},
		{"POST", "/api/v1/placements/:id/transfer", "placement", "update", true, "placement", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.transferPlacement) }},
		// Referrals to a provider's service (issue 23 item 2; api/servicereferrals.go): the centre refers, reviews, ends or cancels; the provider answers, starts and ends.
		{"GET", "/api/v1/cases/:number/service-referrals", "service_referral", "read", true, "service_referral", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.caseServiceReferrals) }},
		{"POST", "/api/v1/cases/:number/service-referrals", "service_referral", "create", true, "service_referral", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.createServiceReferral) }},
		{"GET", "/api/v1/service-referrals", "service_referral", "read", true, "service_referral", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.listServiceReferrals) }},
		{"GET", "/api/v1/service-referrals/:id", "service_referral", "read", true, "service_referral", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.getServiceReferral) }},
		{"POST", "/api/v1/service-referrals/:id/answer", "service_referral", "decide", true, "service_referral", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.answerServiceReferral) }},
		{"POST", "/api/v1/service-referrals/:id/start", "service_referral", "update", true, "service_referral", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.startServiceReferral) }},
		{"POST", "/api/v1/service-referrals/:id/review", "service_referral", "update", true, "service_referral", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.reviewServiceReferral) }},
		{"POST", "/api/v1/service-referrals/:id/end", "service_referral", "update", true, "service_referral", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.endServiceReferral) }},
		{"POST", "/api/v1/service-referrals/:id/cancel", "service_referral", "update", true, "service_referral", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.cancelServiceReferral) }},
		// The resident's care (issue 22 item 3; api/residents.go): the individual plan, social notes, the medical compartment.
		{"GET", "/api/v1/residents/:placement", "resident", "read", true, "resident_care", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.getResident) }},
		{"GET", "/api/v1/residents/:placement/plan", "care_plan", "read", true, "resident_care", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.getPlan) }},
		{"PUT", "/api/v1/residents/:placement/plan", "care_plan", "update", true, "resident_care", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.savePlan) }},
		{"GET", "/api/v1/residents/:placement/notes", "social_note", "read", true, "resident_care", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.listSocialNotes) }},
		{"POST", "/api/v1/residents/:placement/notes", "social_note", "create", true, "resident_care", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.addSocialNote) }},
		{"GET", "/api/v1/residents/:placement/medical-records", "medical_record", "read", true, "medical_care", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.listMedicalRecords) }},
		{"POST", "/api/v1/residents/:placement/medical-records", "medical_record", "create", true, "medical_care", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.addMedicalRecord) }},
		// Medicines (issue 22 item 3; api/medicines.go): the pharmacist's stock by batch, the medical staff's prescriptions and doses.
		{"GET", "/api/v1/medicines", "medicine_stock", "read", false, "pharmacy", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.listMedicines) }},
		{"POST", "/api/v1/medicines", "medicine_stock", "create", false, "pharmacy", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.createMedicine) }},
		{"POST", "/api/v1/medicines/:id/batches", "medicine_stock", "update", false, "pharmacy", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.receiveBatch) }},
		{"POST", "/api/v1/medicines/:id/batches/:batch/write-off", "medicine_stock", "update", false, "pharmacy", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.writeOffBatch) }},
		{"GET", "/api/v1/residents/:placement/prescriptions", "prescription", "read", true, "resident_care", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.listPrescriptions) }},
		{"POST", "/api/v1/residents/:placement/prescriptions", "prescription", "create", true, "resident_care", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.createPrescription) }},
		{"POST", "/api/v1/residents/:placement/prescriptions/:id/stop", "prescription", "update", true, "resident_care", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.stopPrescription) }},
		{"GET", "/api/v1/residents/:placement/doses", "dose", "read", true, "resident_care", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.listDoses) }},
		{"POST", "/api/v1/residents/:placement/doses", "dose", "create", true, "resident_care", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.giveDose) }},
		{"GET", "/api/v1/doses", "dose", "read", true, "resident_care", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.dayRound) }},
		// Service-use records (issue 23 item 4; api/serviceuse.go): a provider's staff and software record days, visits and hours per referral.
		{"POST", "/api/v1/service-use", "service_use", "create", true, "service_use", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.recordServiceUse) }},
		{"POST", "/api/v1/service-use/upload", "service_use", "create", true, "service_use", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.uploadServiceUse) }},
		{"GET", "/api/v1/service-use", "service_use", "read", true, "service_use", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.listServiceUse) }},
		// Monthly cost reports (issue 23 item 5; api/costreports.go): the provider submits, Karton checks, one finance officer checks and another approves or rejects.
		{"POST", "/api/v1/cost-reports", "cost_report", "create", true, "cost_report", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.submitCostReport) }},
		{"GET", "/api/v1/cost-reports", "cost_report", "read", false, "cost_report", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.listCostReports) }},
		{"GET", "/api/v1/cost-reports/:id", "cost_report", "read", true, "cost_report", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.getCostReport) }},
		{"POST", "/api/v1/cost-reports/:id/check", "cost_report", "approve", true, "cost_report", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.checkCostReport) }},
		{"POST", "/api/v1/cost-reports/:id/approve", "cost_report", "approve", true, "cost_report", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.approveCostReport) }},
		{"POST", "/api/v1/cost-reports/:id/reject", "cost_report", "approve", true, "cost_report", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.rejectCostReport) }},
		// The cash desk of a residential institution (issue 22 item 4; api/cashdesk.go).
		{"GET", "/api/v1/cash-desk/accounts", "cash", "read", true, "cash_desk", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.cashAccounts) }},
		{"GET", "/api/v1/cash-desk/accounts/:placement", "cash", "read", true, "cash_desk", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.cashAccount) }},
		{"POST", "/api/v1/cash-desk/accounts/:placement/entries", "cash", "create", true, "cash_desk", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.recordCashEntry) }},
		{"GET", "/api/v1/cash-desk/accounts/:placement/entries/:entry/receipt", "cash", "read", true, "cash_desk", func(h *handler) gin.HandlerFunc { return stream(h, h.cashReceipt) }},
		{"GET", "/api/v1/cash-desk/accounts/:placement/statement", "cash", "read", true, "cash_desk", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.cashStatement) }},
		{"GET", "/api/v1/cash-desk/accounts/:placement/statement.pdf", "cash", "read", true, "cash_desk", func(h *handler) gin.HandlerFunc { return stream(h, h.cashStatementPDF) }},
		{"GET", "/api/v1/cash-desk/withdrawals", "cash", "read", true, "cash_desk", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.cashWithdrawals) }},
		{"POST", "/api/v1/cash-desk/withdrawals/:id/approve", "cash", "approve", true, "cash_desk", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.approveCashWithdrawal) }},
		{"POST", "/api/v1/cash-desk/withdrawals/:id/reject", "cash", "approve", true, "cash_desk", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.rejectCashWithdrawal) }},
		{"POST", "/api/v1/cash-desk/co-payments", "cash", "create", true, "cash_desk", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.chargeCopayments) }},
		{"GET", "/api/v1/cash-desk/days/:day", "cash", "read", true, "cash_desk", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.cashDay) }},
		{"POST", "/api/v1/cash-desk/closings", "cash", "close", true, "cash_desk", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.closeCashDay) }},
		{"GET", "/api/v1/cash-desk/closings", "cash", "read", true, "cash_desk", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.cashClosings) }},
		// Waiting lists and the monthly waiting-list report (issue 23 item 6; api/waitinglists.go).
		{"GET", "/api/v1/waiting-lists", "waiting_list", "read", true, "waiting_list", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.listWaitingLists) }},
		{"GET", "/api/v1/waiting-list-reports", "waiting_list", "read", false, "waiting_list", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.listWaitingListReports) }},
		{"POST", "/api/v1/waiting-list-reports", "waiting_list", "create", false, "waiting_list", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.submitWaitingListReport) }},
		// Contracts with providers and the delegations their staff act under (issue 23 items 1 and 3; api/servicecontracts.go, api/delegations.go).
		{"POST", "/api/v1/service-contracts", "service_contract", "create", false, "service_contracts", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.createContract) }},
		{"GET", "/api/v1/service-contracts", "service_contract", "read", false, "service_contracts", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.listContracts) }},
		{"GET", "/api/v1/service-contracts/:id", "service_contract", "read", false, "service_contracts", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.getContract) }},
		{"POST", "/api/v1/service-contracts/:id/renew", "service_contract", "update", false, "service_contracts", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.renewContract) }},
		{"POST", "/api/v1/service-contracts/:id/end", "service_contract", "update", false, "service_contracts", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.endContract) }},
		{"POST", "/api/v1/service-contracts/:id/resume", "service_contract", "update", false, "service_contracts", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.resumeContract) }},
		{"POST", "/api/v1/service-delegations", "service_delegation", "create", false, "service_delegations", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusCreated, h.grantDelegation) }},
		{"GET", "/api/v1/service-delegations", "service_delegation", "read", false, "service_delegations", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.listDelegations) }},
		{"POST", "/api/v1/service-delegations/:id/revoke", "service_delegation", "update", false, "service_delegations", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.revokeDelegation) }},
		// The persons a provider's staff may see, as delegated processors (issue 23 item 3; api/providerpersons.go).
		{"GET", "/api/v1/provider/persons", "service_person", "read", true, "delegated_processing", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.providerPersons) }},
		{"GET", "/api/v1/provider/persons/:id", "service_person", "read", true, "delegated_processing", func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.providerPersonFile) }},
	}
}

// New returns the API with every route registered.
func New(d Deps) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	if err := r.SetTrustedProxies(d.TrustedProxies); err != nil {
		panic(err) // the caller's configuration, checked at start: a defect
	}
	r.Use(d.Middleware...)
	r.Use(requestID(), recoverJSON(d.Log), securityHeaders(), logRequests(d.Log), storableText(d.Log))
	r.NoRoute(func(c *gin.Context) {
		writeError(c, d.Log, notFound("no route "+c.Request.Method+" "+c.Request.URL.Path))
	})
	r.NoMethod(func(c *gin.Context) {
		c.AbortWithStatusJSON(http.StatusMethodNotAllowed, errorBody{Error: errorDetail{Code: "method_not_allowed", Message: c.Request.Method + " is not allowed on " + c.Request.URL.Path}})
	})
	e := d.Enforcer
	if e == nil {
		var err error
		if e, err = policies.New(); err != nil {
			panic(err) // the policy is embedded and tested: a build defect
		}
	}
	h := &handler{db: d.DB, tc: d.Temporal, objects: d.Objects, log: d.Log, deadlines: d.Deadlines, enforcer: e, issuer: d.DevIssuer,
		paymentDay: domain.PaymentDayOr(d.PaymentDay), now: d.Now, registry: d.Registry}
	if h.now == nil {
		h.now = time.Now
	}

	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", readyz(d.Ready))
	if d.Metrics != nil {
		r.GET("/metrics", gin.WrapH(d.Metrics))
	}
	r.GET("/api/v1/openapi.json", serveOpenAPI)
	r.GET("/api/v1/schemas/:name", serveSchema)
	// The statistics' open data (issue 19): no login, at most 5 requests a
	// second from an address.
	r.GET("/api/v1/open-data/recipients.csv", newLimiter(5, 20).middleware(), h.openData)
	// The public register of licensed providers (issue 21): no login, at
	// most 5 requests a second from an address.
	r.GET("/api/v1/public/providers", newLimiter(5, 20).middleware(), h.publicProviders)
	// The anonymous count of beneficiaries by municipality (issue 21): no
	// login, at most 5 requests a second from an address.
	r.GET("/api/v1/public/beneficiaries", newLimiter(5, 20).middleware(), h.publicBeneficiaries)
	if d.DevIssuer != nil {
		r.POST("/dev/token", newLimiter(5, 20).middleware(), h.devToken)
	}

	search := newLimiter(20, 40).middleware()
	// The employers' portal (issue 18): a company's systems and staff, each
	// user at most 10 requests a second (bursts of 50).
	portal := newLimiter(10, 50).middleware()
	// The citizens' portal (issue 18): each citizen at most 10 requests a
	// second (bursts of 50), on every route they reach.
	citizens := onlyCitizens(newLimiter(10, 50).middleware())
	g := newGate(d.Verifier, d.Registerer, d.Log)
	registerCodec(r, h, g, d.Codec)
	authn := g.authenticate()
	for _, rt := range Routes() {
		// Without a valid token a request stops at authn (401, 429), before
		// the audit: see gate.
		chain := []gin.HandlerFunc{authn}
		if rt.Audited {
			chain = append(chain, audit(d.DB, rt.Resource, rt.Purpose, d.Log))
		}
		chain = append(chain, g.authorize(e, rt.Resource, rt.Action), h.purpose(rt))
		if rt.Method == "GET" && rt.Path == "/api/v1/persons" {
			chain = append(chain, search)
		}
		if rt.Resource == "refund" {
			chain = append(chain, portal)
		}
		chain = append(chain, citizens)
		chain = append(chain, rt.handle(h))
		r.Handle(rt.Method, rt.Path, chain...)
	}
	return r
}

func readyz(checks []Check) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
		defer cancel()
		status, code := map[string]string{}, http.StatusOK
		for _, ch := range checks {
			if err := ch.Fn(ctx); err != nil {
				status[ch.Name] = "unavailable: " + err.Error()
				code = http.StatusServiceUnavailable
			} else {
				status[ch.Name] = "ok"
			}
		}
		c.JSON(code, gin.H{"ready": code == http.StatusOK, "checks": status})
	}
}

// devToken signs a token for a demo user: karton dev only.
func (h *handler) devToken(c *gin.Context) {
	var req struct {
		Username string `json:"username"`
	}
	if err := bindJSON(c, &req); err != nil {
		writeError(c, h.log, err)
		return
	}
	u, ok := domain.DemoUser(req.Username)
	if !ok {
		writeError(c, h.log, domain.FieldError("username", "%q is not a demo user", req.Username))
		return
	}
	tok, err := h.issuer.Token(u)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"access_token": tok, "token_type": "Bearer", "username": u.Username, "role": u.Role, "centre": u.CentreID})
}
