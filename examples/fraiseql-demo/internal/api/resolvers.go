package api

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	graphql "github.com/graph-gophers/graphql-go"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/fraiseql/otelcol-fraiseql/examples/fraiseql-demo/internal/logging"
	"github.com/fraiseql/otelcol-fraiseql/examples/fraiseql-demo/internal/telemetry"
)

// resolver is the root resolver of schema.graphql.
type resolver struct{ s *Server }

type opTypeKey struct{}

func opType(ctx context.Context) string {
	t, _ := ctx.Value(opTypeKey{}).(string)
	if t == "" {
		return "query"
	}
	return t
}

// enter applies the error_rate fault to a root field.
func (r *resolver) enter(ctx context.Context) error {
	if rate := r.s.faults.Get().ErrorRate; rate > 0 && rand.Float64() < rate {
		return internalErr(errors.New("injected fault: error_rate"))
	}
	return nil
}

// sqlSleep applies the slow_sql fault before a resolver's statement.
func (r *resolver) sqlSleep(ctx context.Context, pool *pgxpool.Pool) error {
	if ms := r.s.faults.Get().SlowSQL; ms > 0 {
		if _, err := pool.Exec(ctx, `SELECT pg_sleep($1)`, float64(ms)/1000); err != nil {
			return dbErr(ctx, err)
		}
	}
	return nil
}

// dbErr turns a database error into a server fault (TIMEOUT when the request's deadline
// passed, e.g. while waiting for a pool connection).
func dbErr(ctx context.Context, err error) error {
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
		return &codedError{code: CodeTimeout, msg: "timeout", cause: err}
	}
	return internalErr(err)
}

func (r *resolver) deny(ctx context.Context, reason, code, msg string) error {
	r.s.inst.AuthzDenials.Add(ctx, 1, metric.WithAttributes(
		telemetry.AttrAuthzReason.String(reason), telemetry.AttrOperationType.String(opType(ctx))))
	return newErr(code, "%s", msg)
}

func (r *resolver) requireUser(ctx context.Context) (*Principal, error) {
	p := principal(ctx)
	if p.UserID == 0 {
		return nil, r.deny(ctx, "unauthenticated", CodeUnauthenticated, "sign in first")
	}
	return p, nil
}

// enterAsUser is the start of a root field that acts on the signed-in user's data: the
// error_rate fault, the user (UNAUTHENTICATED when anonymous) and the id argument parsed.
func (r *resolver) enterAsUser(ctx context.Context, id graphql.ID) (*Principal, int64, error) {
	if err := r.enter(ctx); err != nil {
		return nil, 0, err
	}
	p, err := r.requireUser(ctx)
	if err != nil {
		return nil, 0, err
	}
	n, err := parseID(id)
	if err != nil {
		return nil, 0, err
	}
	return p, n, nil
}

func (r *resolver) event(ctx context.Context, name, tier string) {
	r.s.inst.BusinessEvents.Add(ctx, 1, metric.WithAttributes(
		telemetry.AttrEventName.String(name), telemetry.AttrTenantTier.String(tier)))
}

// ---- types ----

type product struct {
	id         int64
	name       string
	priceCents int32
	stock      int32
}

func (p *product) ID() graphql.ID    { return graphql.ID(strconv.FormatInt(p.id, 10)) }
func (p *product) Name() string      { return p.name }
func (p *product) PriceCents() int32 { return p.priceCents }
func (p *product) Stock() int32      { return p.stock }

type order struct {
	id        int64
	quantity  int32
	status    string
	createdAt time.Time
	cardLast4 string
	product   *product
}

func (o *order) ID() graphql.ID    { return graphql.ID(strconv.FormatInt(o.id, 10)) }
func (o *order) Quantity() int32   { return o.quantity }
func (o *order) Status() string    { return o.status }
func (o *order) CreatedAt() string { return o.createdAt.UTC().Format(time.RFC3339) }
func (o *order) CardLast4() string { return o.cardLast4 }
func (o *order) Product() *product { return o.product }

type user struct {
	r     *resolver
	id    int64
	email string
	tier  string
}

func (u *user) ID() graphql.ID { return graphql.ID(strconv.FormatInt(u.id, 10)) }
func (u *user) Email() string  { return u.email }
func (u *user) Tier() string   { return u.tier }
func (u *user) Orders(ctx context.Context, args struct{ First int32 }) ([]*order, error) {
	return u.r.ordersOf(ctx, u.id, page(args.First, 5))
}

type stats struct {
	users, orders, products int32
	dbBytes                 float64
}

func (s *stats) Users() int32           { return s.users }
func (s *stats) Orders() int32          { return s.orders }
func (s *stats) Products() int32        { return s.products }
func (s *stats) DatabaseBytes() float64 { return s.dbBytes }

type authPayload struct {
	token string
	user  *user
}

func (a *authPayload) Token() string { return a.token }
func (a *authPayload) User() *user   { return a.user }

type orderEvent struct {
	kind  string
	order *order
}

func (e *orderEvent) Kind() string  { return e.kind }
func (e *orderEvent) Order() *order { return e.order }

func page(p int32, def int32) int32 {
	if p < 1 {
		return def
	}
	return min(p, 500)
}

func parseID(id graphql.ID) (int64, error) {
	n, err := strconv.ParseInt(string(id), 10, 64)
	if err != nil || n < 1 {
		return 0, newErr(CodeBadUserInput, "invalid id %q", string(id))
	}
	return n, nil
}

// ---- queries ----

const orderCols = `o.id, o.quantity, o.status, o.created_at, o.card_last4, p.id, p.name, p.price_cents, p.stock`

func scanOrder(row pgx.Row) (*order, error) {
	o := &order{product: &product{}}
	err := row.Scan(&o.id, &o.quantity, &o.status, &o.createdAt, &o.cardLast4, &o.product.id, &o.product.name, &o.product.priceCents, &o.product.stock)
	return o, err
}

const productCols = `id, name, price_cents, stock`

func scanProduct(row pgx.Row) (*product, error) {
	p := &product{}
	err := row.Scan(&p.id, &p.name, &p.priceCents, &p.stock)
	return p, err
}

// queryAll applies the slow_sql fault, runs sql on pool and scans every row with scan.
func queryAll[T any](ctx context.Context, r *resolver, pool *pgxpool.Pool, scan func(pgx.Row) (T, error), sql string, args ...any) ([]T, error) {
	if err := r.sqlSleep(ctx, pool); err != nil {
		return nil, err
	}
	rows, err := pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, dbErr(ctx, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (T, error) { return scan(row) })
	if err != nil {
		return nil, dbErr(ctx, err)
	}
	return out, nil
}

// queryOne applies the slow_sql fault, runs sql on pool and scans its row with scan; no row
// is (nil, nil).
func queryOne[T any](ctx context.Context, r *resolver, pool *pgxpool.Pool, scan func(pgx.Row) (*T, error), sql string, args ...any) (*T, error) {
	if err := r.sqlSleep(ctx, pool); err != nil {
		return nil, err
	}
	v, err := scan(pool.QueryRow(ctx, sql, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, dbErr(ctx, err)
	}
	return v, nil
}

func (r *resolver) Products(ctx context.Context, args struct {
	First  int32
	Search *string
}) ([]*product, error) {
	if err := r.enter(ctx); err != nil {
		return nil, err
	}
	search := ""
	if args.Search != nil {
		search = *args.Search
	}
	return queryAll(ctx, r, r.s.readPool(), scanProduct, `SELECT `+productCols+` FROM demo.products
		WHERE $1 = '' OR name ILIKE '%' || $1 || '%' ORDER BY id DESC LIMIT $2`, search, page(args.First, 10))
}

func (r *resolver) Product(ctx context.Context, args struct{ ID graphql.ID }) (*product, error) {
	if err := r.enter(ctx); err != nil {
		return nil, err
	}
	id, err := parseID(args.ID)
	if err != nil {
		return nil, err
	}
	return queryOne(ctx, r, r.s.readPool(), scanProduct, `SELECT `+productCols+` FROM demo.products WHERE id = $1`, id)
}

func (r *resolver) loadUser(ctx context.Context, id int64) (*user, error) {
	return queryOne(ctx, r, r.s.primary, func(row pgx.Row) (*user, error) {
		u := &user{r: r}
		return u, row.Scan(&u.id, &u.email, &u.tier)
	}, `SELECT id, email, tier FROM demo.users WHERE id = $1`, id)
}

func (r *resolver) Me(ctx context.Context) (*user, error) {
	if err := r.enter(ctx); err != nil {
		return nil, err
	}
	p := principal(ctx)
	if p.UserID == 0 {
		return nil, nil
	}
	return r.loadUser(ctx, p.UserID)
}

func (r *resolver) User(ctx context.Context, args struct{ ID graphql.ID }) (*user, error) {
	p, id, err := r.enterAsUser(ctx, args.ID)
	if err != nil {
		return nil, err
	}
	if id != p.UserID {
		return nil, r.deny(ctx, "tenant_mismatch", CodeForbidden, "not your account")
	}
	return r.loadUser(ctx, id)
}

func (r *resolver) ordersOf(ctx context.Context, userID int64, n int32) ([]*order, error) {
	return queryAll(ctx, r, r.s.primary, scanOrder, `SELECT `+orderCols+` FROM demo.orders o JOIN demo.products p ON p.id = o.product_id
		WHERE o.user_id = $1 ORDER BY o.created_at DESC LIMIT $2`, userID, n)
}

func (r *resolver) Orders(ctx context.Context, args struct{ First int32 }) ([]*order, error) {
	if err := r.enter(ctx); err != nil {
		return nil, err
	}
	p, err := r.requireUser(ctx)
	if err != nil {
		return nil, err
	}
	return r.ordersOf(ctx, p.UserID, page(args.First, 10))
}

func (r *resolver) stats(ctx context.Context, sleep float64) (*stats, error) {
	// One row always (aggregates without GROUP BY).
	return queryOne(ctx, r, r.s.readPool(), func(row pgx.Row) (*stats, error) {
		st := &stats{}
		return st, row.Scan(&st.users, &st.orders, &st.products, &st.dbBytes, new(string))
	}, `SELECT (SELECT count(*) FROM demo.users)::int, (SELECT count(*) FROM demo.orders)::int,
		(SELECT count(*) FROM demo.products)::int, pg_database_size(current_database())::float8,
		pg_sleep($1)::text`, sleep)
}

func (r *resolver) Stats(ctx context.Context) (*stats, error) {
	if err := r.enter(ctx); err != nil {
		return nil, err
	}
	if principal(ctx).Tier != "enterprise" {
		return nil, r.deny(ctx, "missing_scope", CodeForbidden, "stats needs the enterprise tier")
	}
	return r.stats(ctx, 0)
}

func (r *resolver) SlowReport(ctx context.Context, args struct{ Seconds float64 }) (*stats, error) {
	if err := r.enter(ctx); err != nil {
		return nil, err
	}
	secs := args.Seconds
	if secs < 0 || secs > 5 || secs != secs {
		return nil, newErr(CodeBadUserInput, "seconds must be in [0, 5]")
	}
	return r.stats(ctx, secs)
}

// ---- mutations ----

func (r *resolver) Login(ctx context.Context, args struct{ Email, Password string }) (*authPayload, error) {
	if err := r.enter(ctx); err != nil {
		return nil, err
	}
	email := strings.ToLower(strings.TrimSpace(args.Email))
	u := &user{r: r}
	var hash string
	err := r.s.primary.QueryRow(ctx, `SELECT id, email, tier, password_hash FROM demo.users WHERE email = $1`, email).
		Scan(&u.id, &u.email, &u.tier, &hash)
	reason := ""
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		reason = "unknown_user"
	case err != nil:
		return nil, dbErr(ctx, err)
	case hash != passwordHash(email, args.Password):
		reason = "wrong_password"
	}
	if reason != "" {
		r.s.authAttempt(ctx, telemetry.AuthSession, reason)
		// The email in the message is PII on purpose: the agent's piiredact must remove it.
		r.s.log.WarnContext(ctx, fmt.Sprintf("login failed for %s: %s", email, reason), authFailureLog(telemetry.AuthSession, reason)...)
		return nil, newErr(CodeUnauthenticated, "invalid email or password")
	}
	r.s.authAttempt(ctx, telemetry.AuthSession, "")
	return r.startSession(ctx, u, "login")
}

func (r *resolver) startSession(ctx context.Context, u *user, event string) (*authPayload, error) {
	token, _ := r.s.auth.newSession(u.id, u.tier)
	r.s.inst.SessionsActive.Add(ctx, 1, metric.WithAttributes(telemetry.AttrTenantTier.String(u.tier)))
	r.event(ctx, event, u.tier)
	logging.SetUser(ctx, r.s.auth.pseudonym(u.id))
	r.s.log.InfoContext(ctx, "session started", "tier", u.tier)
	return &authPayload{token: token, user: u}, nil
}

func (r *resolver) Signup(ctx context.Context, args struct{ Email, Password string }) (*authPayload, error) {
	if err := r.enter(ctx); err != nil {
		return nil, err
	}
	email := strings.ToLower(strings.TrimSpace(args.Email))
	if !strings.Contains(email, "@") || len(args.Password) < 8 {
		return nil, newErr(CodeBadUserInput, "a valid email and a password of at least 8 characters are required")
	}
	u := &user{r: r, email: email, tier: "free"}
	err := r.s.primary.QueryRow(ctx, `INSERT INTO demo.users (email, password_hash, tier) VALUES ($1, $2, 'free')
		ON CONFLICT (email) DO NOTHING RETURNING id`, email, passwordHash(email, args.Password)).Scan(&u.id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, newErr(CodeBadUserInput, "email already registered")
	}
	if err != nil {
		return nil, dbErr(ctx, err)
	}
	return r.startSession(ctx, u, "signup")
}

func (r *resolver) Logout(ctx context.Context) (bool, error) {
	p := principal(ctx)
	if p.SessionID == "" {
		return false, nil
	}
	tier, ok := r.s.auth.endSession(p.SessionID)
	if ok {
		r.s.inst.SessionsActive.Add(ctx, -1, metric.WithAttributes(telemetry.AttrTenantTier.String(tier)))
		r.event(ctx, "logout", tier)
	}
	return ok, nil
}

// luhn reports whether the digits of s (spaces and dashes ignored) pass the Luhn check.
func luhn(s string) (digits string, ok bool) {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			b.WriteRune(c)
		case c == ' ' || c == '-':
		default:
			return "", false
		}
	}
	d := b.String()
	if len(d) < 12 || len(d) > 19 {
		return d, false
	}
	sum := 0
	for i := 0; i < len(d); i++ {
		n := int(d[len(d)-1-i] - '0')
		if i%2 == 1 {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return d, sum%10 == 0
}

// DeclinedCard is the test card number that is always declined.
const DeclinedCard = "4000000000000002"

func (r *resolver) CreateOrder(ctx context.Context, args struct {
	ProductID  graphql.ID
	Quantity   int32
	CardNumber string
	Note       *string
}) (*order, error) {
	p, pid, err := r.enterAsUser(ctx, args.ProductID)
	if err != nil {
		return nil, err
	}
	if args.Quantity < 1 || args.Quantity > 100 {
		return nil, newErr(CodeBadUserInput, "quantity must be in [1, 100]")
	}
	digits, ok := luhn(args.CardNumber)
	if !ok {
		// The card number in the message is PII on purpose (piiredact must remove it).
		r.s.log.WarnContext(ctx, "rejected card number "+args.CardNumber)
		return nil, newErr(CodeBadUserInput, "invalid card number %s", args.CardNumber)
	}
	if digits == DeclinedCard {
		r.event(ctx, "payment_declined", p.Tier)
		r.s.log.WarnContext(ctx, "payment declined for card "+args.CardNumber)
		return nil, newErr(CodePaymentDeclined, "payment declined")
	}
	if err := r.sqlSleep(ctx, r.s.primary); err != nil {
		return nil, err
	}
	var note any // a plain value, so DB spans record the text, not a pointer
	if args.Note != nil {
		note = *args.Note
	}
	var o *order
	err = pgx.BeginFunc(ctx, r.s.primary, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE demo.products SET stock = stock - $2 WHERE id = $1 AND stock >= $2`, pid, args.Quantity)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			// Out of stock (or no such product): restock it, as a demo shop would.
			if _, err := tx.Exec(ctx, `UPDATE demo.products SET stock = stock + 500 WHERE id = $1`, pid); err != nil {
				return err
			}
		}
		o, err = scanOrder(tx.QueryRow(ctx, `WITH o AS (
			INSERT INTO demo.orders (user_id, product_id, quantity, status, card_last4, note)
			VALUES ($1, $2, $3, 'created', $4, $5) RETURNING *)
			SELECT `+orderCols+` FROM o JOIN demo.products p ON p.id = o.product_id`,
			p.UserID, pid, args.Quantity, digits[len(digits)-4:], note))
		return err
	})
	if err != nil {
		var pgErr interface{ SQLState() string }
		if errors.As(err, &pgErr) && pgErr.SQLState() == "23503" {
			return nil, newErr(CodeNotFound, "no product %d", pid)
		}
		return nil, dbErr(ctx, err)
	}
	r.event(ctx, "order_created", p.Tier)
	if args.Note != nil && *args.Note != "" {
		r.s.log.DebugContext(ctx, "order note: "+*args.Note)
	}
	r.s.broker.publish(&orderEvent{kind: "created", order: o})
	return o, nil
}

func (r *resolver) CancelOrder(ctx context.Context, args struct{ ID graphql.ID }) (*order, error) {
	p, id, err := r.enterAsUser(ctx, args.ID)
	if err != nil {
		return nil, err
	}
	o, err := queryOne(ctx, r, r.s.primary, scanOrder, `WITH o AS (
		UPDATE demo.orders SET status = 'cancelled' WHERE id = $1 AND user_id = $2 RETURNING *)
		SELECT `+orderCols+` FROM o JOIN demo.products p ON p.id = o.product_id`, id, p.UserID)
	if err != nil {
		return nil, err
	}
	if o == nil {
		return nil, newErr(CodeNotFound, "no order %d of yours", id)
	}
	r.event(ctx, "order_cancelled", p.Tier)
	r.s.broker.publish(&orderEvent{kind: "cancelled", order: o})
	return o, nil
}

// ---- subscriptions ----

// SubscriptionTimeout bounds every subscription.
const SubscriptionTimeout = 15 * time.Second

func (r *resolver) OrderEvents(ctx context.Context, args struct{ Max int32 }) (<-chan *orderEvent, error) {
	if err := r.enter(ctx); err != nil {
		return nil, err
	}
	n := page(args.Max, 3)
	in, cancel := r.s.broker.subscribe()
	out := make(chan *orderEvent)
	attrs := metric.WithAttributes(attribute.String(string(telemetry.AttrSubscriptionField), "orderEvents"))
	r.s.inst.SubscriptionsActive.Add(ctx, 1, attrs)
	go func() {
		defer close(out)
		defer cancel()
		defer r.s.inst.SubscriptionsActive.Add(context.WithoutCancel(ctx), -1, attrs)
		timeout := time.NewTimer(SubscriptionTimeout)
		defer timeout.Stop()
		for sent := int32(0); sent < n; {
			select {
			case ev := <-in:
				select {
				case out <- ev:
					sent++
				case <-ctx.Done():
					return
				}
			case <-timeout.C:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}
