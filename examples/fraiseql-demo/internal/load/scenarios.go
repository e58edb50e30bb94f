package load

import (
	"context"
	"fmt"
	"time"
)

const (
	qProducts = `query Products($first: Int, $search: String) { products(first: $first, search: $search) { id name priceCents stock } }`
	qProduct  = `query Product($id: ID!) { product(id: $id) { id name priceCents stock } }`
	qLogin    = `mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { token user { id tier } } }`
	qSignup   = `mutation Signup($email: String!, $password: String!) { signup(email: $email, password: $password) { token user { id } } }`
	qMe       = `query Me { me { id tier orders(first: 5) { id status product { name } } } }`
	qOrders   = `query MyOrders { orders(first: 10) { id status quantity } }`
	qCreate   = `mutation CreateOrder($productId: ID!, $quantity: Int!, $cardNumber: String!, $note: String) {
  createOrder(productId: $productId, quantity: $quantity, cardNumber: $cardNumber, note: $note) { id status cardLast4 product { name } } }`
	qCancel = `mutation CancelOrder($id: ID!) { cancelOrder(id: $id) { id status } }`
	qLogout = `mutation Logout { logout }`
	qStats  = `query Stats { stats { users orders products databaseBytes } }`
	qSlow   = `query SlowReport($seconds: Float) { slowReport(seconds: $seconds) { orders } }`
	qUser   = `query User($id: ID!) { user(id: $id) { id email } }`
	qSub    = `subscription OrderEvents($max: Int) { orderEvents(max: $max) { kind order { id status } } }`
)

var searchTerms = []string{"1", "2", "7", "12", "33", "Product 4", "99", "x", "5", "40"}

func (s *session) run(ctx context.Context) {
	r := s.rng
	switch s.scenario {
	case Browse:
		s.do(ctx, qProducts, map[string]any{"first": []int{5, 10, 20, 50}[r.IntN(4)]})
	case Product:
		// A catalog's views are skewed: 3 in 4 go to the 10 bestsellers, the rest to any of 40.
		id := r.IntN(40) + 1
		if r.IntN(4) != 0 {
			id = r.IntN(10) + 1
		}
		s.do(ctx, qProduct, map[string]any{"id": fmt.Sprint(id)})
	case Search:
		// Searches are skewed too: 3 in 4 are one of the popular terms, the rest long-tail
		// (random, never cached).
		term := searchTerms[r.IntN(len(searchTerms))]
		if r.IntN(4) == 0 {
			term += fmt.Sprint(r.IntN(100))
		}
		s.do(ctx, qProducts, map[string]any{"first": 20, "search": term})
	case Journey:
		n := r.IntN(100) + 1
		if !s.login(ctx, n) {
			return
		}
		s.do(ctx, qMe, nil)
		res := s.do(ctx, qCreate, map[string]any{
			"productId": fmt.Sprint(r.IntN(500) + 1), "quantity": r.IntN(3) + 1,
			"cardNumber": PickCard(r), "note": PickNote(r, UserEmail(n)),
		})
		if id := orderID(res); id != "" && r.IntN(5) == 0 {
			s.do(ctx, qCancel, map[string]any{"id": id})
		}
		s.do(ctx, qOrders, nil)
		if r.IntN(2) == 0 {
			s.do(ctx, qLogout, nil)
		}
	case LoginFailure:
		email := UserEmail(r.IntN(100) + 1)
		if r.IntN(3) == 0 {
			email = fmt.Sprintf("someone%d@example.org", r.IntN(1000))
		}
		s.do(ctx, qLogin, map[string]any{"email": email, "password": "wrong-password"})
	case APIKey:
		keys := []string{"demo-key-enterprise", "demo-key-pro", "demo-key-free", "demo-key-enterprise", "demo-key-pro"}
		s.apiKey = keys[r.IntN(len(keys))]
		if r.IntN(20) == 0 {
			s.apiKey = []string{"demo-key-revoked", "demo-key-expired", "not-a-key"}[r.IntN(3)]
		}
		if r.IntN(2) == 0 {
			s.do(ctx, qStats, nil)
		} else {
			s.do(ctx, qProducts, map[string]any{"first": 10})
		}
	case Subscription:
		n := r.IntN(100) + 1
		if !s.login(ctx, n) {
			return
		}
		ready := make(chan struct{}, 1)
		done := make(chan int, 1)
		go func() { done <- s.subscribe(ctx, qSub, map[string]any{"max": 2}, ready) }()
		if _, ok := <-ready; !ok {
			<-done
			return
		}
		for i := 0; i < 2; i++ {
			s.do(ctx, qCreate, map[string]any{"productId": fmt.Sprint(r.IntN(500) + 1), "quantity": 1, "cardNumber": CardValid})
			time.Sleep(100 * time.Millisecond)
		}
		<-done
	case Slow:
		s.do(ctx, qSlow, map[string]any{"seconds": 0.6})
	case Complex:
		first := 100 + r.IntN(300)
		if r.IntN(10) == 0 {
			first = 600 // 1 + 600 x 4 > 2000: QUERY_TOO_COMPLEX
		}
		s.do(ctx, qProducts, map[string]any{"first": first})
	case BadQuery:
		if r.IntN(2) == 0 {
			s.do(ctx, `query Broken { products(first: 3) { id name `, nil)
		} else {
			s.do(ctx, `query Unknown { products { id color } }`, nil)
		}
	case Signup:
		email := fmt.Sprintf("new-%d-%d@example.net", time.Now().UnixNano(), r.IntN(1000))
		if s.signup(ctx, email) && r.IntN(2) == 0 {
			s.do(ctx, qLogout, nil)
		}
	case Forbidden:
		if r.IntN(2) == 0 {
			s.do(ctx, qOrders, nil) // anonymous: UNAUTHENTICATED
			return
		}
		n := r.IntN(99) + 1
		if s.login(ctx, n) {
			s.do(ctx, qUser, map[string]any{"id": fmt.Sprint(n + 1)})
		}
	case BadToken:
		s.token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1aWQiOjF9.forged"
		s.do(ctx, qMe, nil)
	case InlineLiteral:
		n := r.IntN(100) + 1
		if !s.login(ctx, n) {
			return
		}
		// The card number and the email are literals of the document (graphql.document).
		s.do(ctx, fmt.Sprintf(`mutation { createOrder(productId: "%d", quantity: 1, cardNumber: "%s", note: "receipt to %s") { id } }`,
			r.IntN(500)+1, CardValid, UserEmail(n)), nil)
	}
}

func (s *session) login(ctx context.Context, n int) bool {
	res := s.do(ctx, qLogin, map[string]any{"email": UserEmail(n), "password": DemoPassword})
	s.token = tokenOf(res, "login")
	return s.token != ""
}

func (s *session) signup(ctx context.Context, email string) bool {
	res := s.do(ctx, qSignup, map[string]any{"email": email, "password": DemoPassword})
	s.token = tokenOf(res, "signup")
	return s.token != ""
}

func tokenOf(r result, field string) string {
	m, _ := r.data[field].(map[string]any)
	t, _ := m["token"].(string)
	return t
}

func orderID(r result) string {
	m, _ := r.data["createOrder"].(map[string]any)
	id, _ := m["id"].(string)
	return id
}
