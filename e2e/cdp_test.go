package e2e_test

import "github.com/chromedp/cdproto/runtime"

type runtimeEvaluateParams = runtime.EvaluateParams
