package e2e_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// openBrowser starts headless Chromium for a test and gives the steps the
// browser tests share: a screenshot into artifacts/screens, logging in as
// a demo user through the development issuer's picker, logging out, and
// waiting (reloading) until a selector appears.
func openBrowser(t *testing.T, apiURL string) (context.Context, func(name string) chromedp.Action, func(user string) chromedp.Tasks,
	chromedp.Tasks, func(selector string) chromedp.Action) {
	t.Helper()
	ctx := context.Background()
	shots := filepath.Join("..", "artifacts", "screens")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1280, 800),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(profileDir(t)))
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	bctx, cancel := context.WithTimeout(bctx, 3*time.Minute)
	t.Cleanup(cancel)
	checkAccessibility(t, bctx) // axe-core on every page (browser_axe_test.go)

	shot := func(name string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			var buf []byte
			var err error
			_ = axeSettled().Do(ctx)
			// A page still laying out after a reload has no size yet: try again.
			for try := 0; try < 20; try++ {
				if err = chromedp.FullScreenshot(&buf, 100).Do(ctx); err == nil || !strings.Contains(err.Error(), "0 width") {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(shots, name+".png"), buf, 0o644)
		})
	}
	login := func(user string) chromedp.Tasks {
		return chromedp.Tasks{
			chromedp.Navigate(apiURL + "/"),
			chromedp.WaitVisible("#user-" + strings.ReplaceAll(user, ".", "\\.")),
			shot("01-login-picker"),
			chromedp.Click("#user-" + strings.ReplaceAll(user, ".", "\\.")),
			visibleWithin("#main", time.Minute),
		}
	}
	logout := chromedp.Tasks{axeSettled(), chromedp.Click("#logout"), chromedp.WaitVisible("button[name=username]")}
	// waitFor reloads the page until selector appears.
	waitFor := func(selector string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			deadline := time.Now().Add(20 * time.Second)
			for time.Now().Before(deadline) {
				var n int
				if err := chromedp.Evaluate(fmt.Sprintf(`document.querySelectorAll(%q).length`, selector), &n).Do(ctx); err == nil && n > 0 {
					return nil
				}
				time.Sleep(500 * time.Millisecond)
				_ = axeSettled().Do(ctx)
				if err := chromedp.Reload().Do(ctx); err != nil {
					return err
				}
			}
			var text string
			_ = chromedp.Evaluate(`document.body.innerText`, &text).Do(ctx)
			_ = shot("zz-failure-" + strings.Trim(selector, "#")).Do(ctx)
			return fmt.Errorf("%s never appeared; the page says: %.600s", selector, text)
		})
	}

	return bctx, shot, login, logout, waitFor
}

// visibleWithin waits until selector is visible, for d at most, and then
// says what the page shows instead (a refused login's message, say),
// rather than waiting out the whole walkthrough's deadline.
func visibleWithin(selector string, d time.Duration) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		wctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		err := chromedp.WaitVisible(selector, chromedp.ByQuery).Do(wctx)
		if err == nil || ctx.Err() != nil {
			return err
		}
		var text string
		_ = chromedp.Evaluate(`document.body ? document.body.innerText : ""`, &text).Do(ctx)
		return fmt.Errorf("%s not shown within %s; the page says: %.600s", selector, d, text)
	})
}

// runSteps runs actions one by one and names the one that failed (its
// place in the list), so that a broken walkthrough says where it broke.
func runSteps(ctx context.Context, actions ...chromedp.Action) error {
	for i, a := range actions {
		if err := chromedp.Run(ctx, a); err != nil {
			var loc string
			_ = chromedp.Run(ctx, chromedp.Location(&loc))
			return fmt.Errorf("step %d (%T) at %s: %w", i+1, a, loc, err)
		}
	}
	return nil
}

// submit clicks a form's button and waits until the page the server
// answers with has loaded, so that the next step (a logout, a reload) does
// not cut the form's request short.
func submit(selector string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		_ = axeSettled().Do(ctx) // the page is checked before it is left
		if err := chromedp.Evaluate(`window.kartonOldPage = true`, nil).Do(ctx); err != nil {
			return err
		}
		if err := chromedp.Click(selector, chromedp.ByQuery).Do(ctx); err != nil {
			return err
		}
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			var fresh bool
			// Evaluating fails while the old document goes away: keep asking.
			if chromedp.Evaluate(`window.kartonOldPage === undefined && document.readyState === "complete"`, &fresh).Do(ctx) == nil && fresh {
				return nil
			}
		}
		return fmt.Errorf("submitting %s: no new page within 20 s", selector)
	})
}

// profileDir is a fresh folder for Chromium's profile, removed when the
// test ends. Not t.TempDir: Chromium's helper processes may still be
// writing into it for a moment after the browser is closed, and TempDir's
// cleanup fails the test on a folder that is not empty. The removal is
// retried for a few seconds, then left to the system's temp cleaning.
func profileDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "karton-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 20 {
			if os.RemoveAll(dir) == nil {
				return
			}
			time.Sleep(250 * time.Millisecond)
		}
		t.Logf("Chromium's profile %s is left behind: still in use", dir)
	})
	return dir
}
