// Package api is Karton's HTTP API: Gin routes over the store and the
// Temporal client, JSON in snake_case, one place that turns errors into
// status codes, and the OpenAPI document of every route.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/objects"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// Check is one dependency /readyz asks about.
type Check struct {
	Name string
	Fn   func(ctx context.Context) error
}

// Deps is what the API needs.
type Deps struct {
	DB       *store.DB
	Temporal client.Client
	Log      *slog.Logger
	// Ready lists the dependencies /readyz checks.
	Ready []Check
	// Metrics serves /metrics; nil leaves the route out.
	Metrics http.Handler
	// Objects keeps documents; nil disables uploads and decision PDFs.
	Objects *objects.Store
	// Deadlines of claims; zero takes the workflow's defaults.
	Deadlines workflows.Deadlines
	// Guard returns the middleware that protects a resource (authentication,
	// authorisation, audit). It is the one place where they plug in; nil
	// means none.
	Guard func(resource string) []gin.HandlerFunc
}

type handler struct {
	db        *store.DB
	tc        client.Client
	objects   *objects.Store
	log       *slog.Logger
	deadlines workflows.Deadlines
}

// New returns the API with every route registered.
func New(d Deps) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.Use(requestID(), recoverJSON(d.Log), logRequests(d.Log))
	r.NoRoute(func(c *gin.Context) {
		writeError(c, d.Log, notFound("no route "+c.Request.Method+" "+c.Request.URL.Path))
	})
	r.NoMethod(func(c *gin.Context) {
		c.AbortWithStatusJSON(http.StatusMethodNotAllowed, errorBody{Error: errorDetail{Code: "method_not_allowed", Message: c.Request.Method + " is not allowed on " + c.Request.URL.Path}})
	})
	guard := func(resource string) []gin.HandlerFunc {
		if d.Guard == nil {
			return nil
		}
		return d.Guard(resource)
	}
	h := &handler{db: d.DB, tc: d.Temporal, objects: d.Objects, log: d.Log, deadlines: d.Deadlines}

	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", readyz(d.Ready))
	if d.Metrics != nil {
		r.GET("/metrics", gin.WrapH(d.Metrics))
	}

	v1 := r.Group("/api/v1")
	v1.GET("/openapi.json", serveOpenAPI)

	persons := v1.Group("/persons", guard("person")...)
	persons.POST("", h.createPerson)
	persons.GET("", h.findPersons)
	persons.GET("/:id", h.personFile)
	persons.POST("/:id/evidence/refresh", h.refreshEvidence)

	v1.GET("/benefits", listBenefits)

	acting := actingUser(d.Log)
	claims := v1.Group("/claims", append(guard("claim"), acting)...)
	claims.POST("", h.createClaim)
	claims.GET("/:number", h.getClaim)
	claims.POST("/:number/withdraw", h.withdrawClaim)
	claims.POST("/:number/documents", h.uploadDocument)

	v1.GET("/decisions/:id/document", append(guard("decision"), acting, h.decisionDocument)...)

	tasks := v1.Group("/tasks", append(guard("task"), acting)...)
	tasks.GET("", h.listTasks)
	tasks.POST("/:id/claim", h.claimTask)
	tasks.POST("/:id/release", h.releaseTask)
	tasks.POST("/:id/delegate", h.delegateTask)
	tasks.POST("/:id/complete", h.completeTask)
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
