package handlers

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"portalegenitori/internal/registration"

	altcha "github.com/altcha-org/altcha-lib-go"
)

// Captcha (docs/architecture.md#captcha): an ALTCHA proof-of-work solved by a small worker
// script of ours, and, for browsers without JavaScript, a question in words
// whose answer is bound to a signed token. Each solution is accepted once.
const (
	captchaTTL       = 20 * time.Minute
	captchaMaxNumber = 50000
)

// CaptchaView is what the form shows.
type CaptchaView struct {
	Challenge string // ALTCHA challenge as JSON, for the worker
	Question  string // the fallback question, in words
	Token     string // binds the fallback answer
}

var numberWords = map[string][]string{
	"it": {"zero", "uno", "due", "tre", "quattro", "cinque", "sei", "sette", "otto", "nove"},
	"en": {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"},
}

func randInt(n int64) int64 {
	v, err := rand.Int(rand.Reader, big.NewInt(n))
	if err != nil {
		panic(err)
	}
	return v.Int64()
}

func (h *Handler) newCaptcha(b Base) (*CaptchaView, error) {
	exp := time.Now().Add(captchaTTL)
	ch, err := altcha.CreateChallenge(altcha.ChallengeOptions{HMACKey: h.captchaKey, MaxNumber: captchaMaxNumber, Expires: &exp})
	if err != nil {
		return nil, fmt.Errorf("altcha challenge: %w", err)
	}
	js, err := json.Marshal(ch)
	if err != nil {
		return nil, err
	}
	x, y := randInt(9)+1, randInt(9)+1
	words := numberWords[b.Lang]
	if words == nil {
		words = numberWords["it"]
	}
	nonce := make([]byte, 12)
	rand.Read(nonce)
	n := hex.EncodeToString(nonce)
	e := strconv.FormatInt(exp.Unix(), 10)
	return &CaptchaView{
		Challenge: string(js),
		Question:  b.T("register.captcha.question", words[x], words[y]),
		Token:     n + "." + e + "." + h.captchaMAC(n, e, strconv.FormatInt(x+y, 10)),
	}, nil
}

func (h *Handler) captchaMAC(parts ...string) string {
	m := hmac.New(sha256.New, []byte(h.captchaKey))
	m.Write([]byte(strings.Join(parts, "|")))
	return hex.EncodeToString(m.Sum(nil))
}

// verifyCaptcha checks either the ALTCHA payload or the fallback answer,
// and returns the key under which the solution is spent (to refuse replays)
// and its expiry. ok false: missing, wrong or expired.
func (h *Handler) verifyCaptcha(f registration.Form) (key string, exp time.Time, ok bool) {
	if f.Altcha != "" {
		raw, err := base64.StdEncoding.DecodeString(f.Altcha)
		if err != nil {
			return "", exp, false
		}
		var p altcha.Payload
		if err := json.Unmarshal(raw, &p); err != nil || p.Number < 0 || p.Number > captchaMaxNumber {
			return "", exp, false
		}
		params := altcha.ExtractParams(p)
		unix, err := strconv.ParseInt(params.Get("expires"), 10, 64)
		if err != nil || time.Now().Unix() > unix {
			return "", exp, false
		}
		good, err := altcha.VerifySolutionSafe(p, h.captchaKey, true)
		if err != nil || !good {
			return "", exp, false
		}
		return "altcha:" + p.Challenge, time.Unix(unix, 0), true
	}
	parts := strings.Split(f.CaptchaToken, ".")
	if len(parts) != 3 || f.CaptchaAnswer == "" {
		return "", exp, false
	}
	unix, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || time.Now().Unix() > unix {
		return "", exp, false
	}
	answer := strings.TrimSpace(f.CaptchaAnswer)
	if n, err := strconv.Atoi(answer); err == nil {
		answer = strconv.Itoa(n)
	}
	want := h.captchaMAC(parts[0], parts[1], answer)
	if !hmac.Equal([]byte(want), []byte(parts[2])) {
		return "", exp, false
	}
	return "question:" + parts[0], time.Unix(unix, 0), true
}

// spendCaptcha marks a solution used; false when it was used before.
func (h *Handler) spendCaptcha(ctx context.Context, key string, exp time.Time) (bool, error) {
	return h.store.SpendCaptcha(ctx, key, exp)
}
