package preflight

import (
	"regexp"
	"strings"
)

// Outcome is what a failed lookup means. pulumi-aws reports AWS's answer inside the invoke's
// error text (and the engine wraps it once more), so it is read from the text.
type Outcome int

const (
	// Failed is any other failure: network, throttling, an unexpected answer.
	Failed Outcome = iota
	// NotFound: the target does not exist (NoSuchEntity, NoSuchBucket, NoSuchBucketPolicy,
	// "couldn't find resource", "no matching … found", 404).
	NotFound
	// Several: a lookup that answers one thing matched more than one.
	Several
	// Denied: the credentials lack the permission (AccessDenied, UnauthorizedOperation,
	// "is not authorized to perform", 403).
	Denied
	// WrongRegion: S3 answered that the bucket is in another Region (301 PermanentRedirect or
	// MovedPermanently, BucketRegionError, AuthorizationHeaderMalformed).
	WrongRegion
)

func (o Outcome) String() string {
	return [...]string{"failed", "not found", "several", "denied", "wrong Region"}[o]
}

var (
	deniedPattern   = regexp.MustCompile(`AccessDenied|UnauthorizedOperation|AuthorizationError|is not authorized to perform|StatusCode: 403|api error Forbidden`)
	regionPattern   = regexp.MustCompile(`StatusCode: 301|PermanentRedirect|MovedPermanently|BucketRegionError|AuthorizationHeaderMalformed|IllegalLocationConstraintException`)
	severalPattern  = regexp.MustCompile(`(?i)multiple .* matched`)
	notFoundPattern = regexp.MustCompile(`NoSuchEntity|NoSuchBucketPolicy|NoSuchBucket|couldn't find resource|(?i:no matching .* found)|\.NotFound|api error NotFound|StatusCode: 404`)
	permissionInMsg = regexp.MustCompile(`not authorized to perform:? ([a-z0-9-]+:[A-Za-z0-9*]+)`)
)

// Classify reads a lookup's error. nil is not a failure: callers only classify errors.
func Classify(err error) Outcome {
	if err == nil {
		return Failed
	}
	text := err.Error()
	switch {
	case deniedPattern.MatchString(text):
		return Denied
	case regionPattern.MatchString(text):
		return WrongRegion
	case severalPattern.MatchString(text):
		return Several
	case notFoundPattern.MatchString(text):
		return NotFound
	}
	return Failed
}

// deniedAction is the IAM action an AccessDenied message names, or the call's own.
func deniedAction(call Call, err error) string {
	if m := permissionInMsg.FindStringSubmatch(err.Error()); m != nil {
		return m[1]
	}
	return call.Permission()
}

// lastLine is the part of a lookup's error the reader needs: the engine and the bridge wrap
// the provider's words in "rpc error: … invocation of … returned an error: invoking …: 1 error
// occurred: * …", which says nothing more.
func lastLine(err error) string {
	text := strings.TrimSpace(err.Error())
	if i := strings.LastIndex(text, "returned an error: "); i >= 0 {
		text = text[i+len("returned an error: "):]
	}
	text = invokingPrefix.ReplaceAllString(text, "")
	text = errorsOccurred.ReplaceAllString(text, "")
	text = strings.Join(strings.Fields(text), " ")
	return strings.TrimSuffix(strings.TrimPrefix(text, "* "), ".")
}

var (
	invokingPrefix = regexp.MustCompile(`^invoking [a-z0-9]+:[A-Za-z0-9/]+:[A-Za-z0-9]+: `)
	errorsOccurred = regexp.MustCompile(`^\d+ errors? occurred:\s*`)
)
