package bench

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestBurstsAreTheirShareOfTheTime(t *testing.T) {
	for _, share := range []float64{0.1, 0.3, 0.5, 0.8} {
		rng := rand.New(rand.NewPCG(3, 4))
		var busy, idle time.Duration
		for range 200000 {
			b, i := burstAndGap(rng, share)
			busy, idle = busy+b, idle+i
		}
		got := float64(busy) / float64(busy+idle)
		if math.Abs(got-share) > 0.01 {
			t.Errorf("share %v: the bursts were %.3f of the time", share, got)
		}
		if mean := busy / 200000; mean < MeanBurst*95/100 || mean > MeanBurst*105/100 {
			t.Errorf("share %v: mean burst %v, want about %v", share, mean, MeanBurst)
		}
	}
}

func TestABurnerShareOutsideZeroToOneIsRefused(t *testing.T) {
	for _, share := range []float64{0, 1, -0.5, 2} {
		if _, err := StartBurner(share); err == nil {
			t.Errorf("share %v was accepted", share)
		}
	}
}
