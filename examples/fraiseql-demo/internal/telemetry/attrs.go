package telemetry

import "go.opentelemetry.io/otel/attribute"

// Attribute keys of the contract (docs/instrumentation.md). Every value is a bounded enum.
const (
	AttrOperationType     = attribute.Key("graphql.operation.type")
	AttrOperationName     = attribute.Key("graphql.operation.name")
	AttrDocument          = attribute.Key("graphql.document")
	AttrCacheName         = attribute.Key("graphql.cache.name")
	AttrCacheResult       = attribute.Key("graphql.cache.result")
	AttrAuthMethod        = attribute.Key("graphql.auth.method")
	AttrAuthOutcome       = attribute.Key("graphql.auth.outcome")
	AttrAuthFailureReason = attribute.Key("graphql.auth.failure_reason")
	AttrAuthzReason       = attribute.Key("graphql.authz.reason")
	AttrRateLimitPolicy   = attribute.Key("graphql.rate_limit.policy")
	AttrAPIKeyTier        = attribute.Key("graphql.api_key.tier")
	AttrErrorCode         = attribute.Key("graphql.error.code")
	AttrFieldParentType   = attribute.Key("graphql.field.parent_type")
	AttrFieldName         = attribute.Key("graphql.field.name")
	AttrSubscriptionField = attribute.Key("graphql.subscription.field")
	AttrEventName         = attribute.Key("fraiseql.event.name")
	AttrTenantTier        = attribute.Key("fraiseql.tenant.tier")
	AttrBurstSeries       = attribute.Key("fraiseql.burst.series")
	// AttrDebug marks a request sent with the debug header (X-Debug-Trace: 1); the gateway's
	// sampling keeps every trace with it.
	AttrDebug = attribute.Key("fraiseql.debug")
	// AttrRequestID is the request id (X-Request-Id) on server spans; never a metric attribute.
	AttrRequestID = attribute.Key("fraiseql.request_id")
	// AttrUserID is the pseudonymous user id on server spans; never a metric attribute.
	AttrUserID = attribute.Key("enduser.pseudo.id")
)

// Enum values.
const (
	CacheHit  = "hit"
	CacheMiss = "miss"

	AuthAPIKey  = "api_key"
	AuthJWT     = "jwt"
	AuthSession = "session"

	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
)

// Tiers are the tenant / API key tiers.
var Tiers = []string{"free", "pro", "enterprise"}

// BusinessEvents is the declared, bounded list of fraiseql.event.name values.
var BusinessEvents = []string{"signup", "login", "logout", "order_created", "order_cancelled", "payment_declined"}
