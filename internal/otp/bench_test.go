package otp

import (
	"testing"
	"time"
)

// benchSecret has the length of an AWS virtual MFA secret.
var benchSecret = []byte("0123456789012345678901234567890123456789")

func BenchmarkTOTP(b *testing.B) {
	at := time.Unix(1700000000, 0)
	for b.Loop() {
		TOTP(benchSecret, at, Params{})
	}
}

func BenchmarkMatchSteps(b *testing.B) {
	step := Step(time.Unix(1700000000, 0), Params{})
	code := CodeAt(benchSecret, step, Params{})
	for b.Loop() {
		if got := MatchSteps(benchSecret, code, step-1, step+1, Params{}); len(got) == 0 {
			b.Fatalf("MatchSteps(%q, %d±1) = %v, want a match", code, step, got)
		}
	}
}

func BenchmarkFindConsecutive(b *testing.B) {
	step := Step(time.Unix(1700000000, 0), Params{})
	code1 := CodeAt(benchSecret, step+5, Params{})
	code2 := CodeAt(benchSecret, step+6, Params{})
	for b.Loop() {
		if _, ok := FindConsecutive(benchSecret, code1, code2, step-20, step+20, Params{}); !ok {
			b.Fatalf("FindConsecutive(%q, %q, %d±20) found nothing", code1, code2, step)
		}
	}
}
