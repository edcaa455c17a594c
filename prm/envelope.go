package prm

import (
	"github.com/sirupsen/logrus"

	"github.com/intermw/intermw/messages/routing"
)

// ErrHeaderMismatch: a message's routing headers passed their checks but
// its body says otherwise; PRM sends it to the error topic instead of
// routing it (see routing.Reader).
var ErrHeaderMismatch = routing.ErrHeaderMismatch

// debugEnabled reports whether log writes Debug entries, so that per
// message fields are only built when they will be written. Loggers that
// cannot tell are assumed to.
func debugEnabled(log logrus.FieldLogger) bool {
	switch l := log.(type) {
	case *logrus.Entry:
		return l.Logger.IsLevelEnabled(logrus.DebugLevel)
	case *logrus.Logger:
		return l.IsLevelEnabled(logrus.DebugLevel)
	}
	return true
}
