package spec

import (
	_ "embed"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// AWS facts kept as data in spec/data/, each file with its source and date in its header: the
// S3 actions of the Service Authorization Reference and the Regions of each partition. Validation
// refuses what is not listed there, and the policy pack's policies/aws_data.rego is generated from
// the same files (a test in policies/ keeps it in step).

//go:embed data/s3-actions.txt
var s3ActionsData string

//go:embed data/regions.txt
var regionsData string

// S3Action is one action of the Amazon S3 service prefix.
type S3Action struct {
	// Name is the action as AWS spells it, e.g. "s3:GetObject".
	Name string
	// AccessLevel is AWS's classification, e.g. "Read" or "Permissions management, Write".
	AccessLevel string
	// ResourceTypes are the resource types the action applies to ("object", "bucket", ...);
	// empty for actions that take Resource "*".
	ResourceTypes []string
}

// AppliesTo reports whether the action applies to the resource type ("object" or "bucket").
func (a S3Action) AppliesTo(resourceType string) bool {
	return slices.Contains(a.ResourceTypes, resourceType)
}

// Region is one AWS Region and its partition.
type Region struct {
	Partition   string
	Name        string
	Description string
}

var (
	s3Actions     = parseS3Actions(s3ActionsData)
	s3ActionIndex = indexS3Actions(s3Actions)
	regions       = parseRegions(regionsData)
	regionIndex   = indexRegions(regions)
)

func dataLines(text string) [][]string {
	var out [][]string
	for _, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, strings.Split(line, "\t"))
	}
	return out
}

func parseS3Actions(text string) []S3Action {
	var out []S3Action
	for _, f := range dataLines(text) {
		a := S3Action{Name: f[0], AccessLevel: f[1]}
		if f[2] != "-" {
			a.ResourceTypes = strings.Split(f[2], ",")
		}
		out = append(out, a)
	}
	return out
}

func indexS3Actions(actions []S3Action) map[string]S3Action {
	m := make(map[string]S3Action, len(actions))
	for _, a := range actions {
		m[strings.ToLower(a.Name)] = a
	}
	return m
}

func parseRegions(text string) []Region {
	var out []Region
	for _, f := range dataLines(text) {
		out = append(out, Region{Partition: f[0], Name: f[1], Description: f[2]})
	}
	return out
}

func indexRegions(rs []Region) map[string]Region {
	m := make(map[string]Region, len(rs))
	for _, r := range rs {
		m[r.Name] = r
	}
	return m
}

// S3Actions returns every S3 action of spec/data/s3-actions.txt, ordered by name.
func S3Actions() []S3Action { return append([]S3Action{}, s3Actions...) }

// LookupS3Action finds an action by name. IAM action names are case-insensitive ("The prefix and
// the action name are case insensitive", docs.aws.amazon.com/IAM/latest/UserGuide/
// reference_policies_elements_action.html), so "S3:getobject" finds s3:GetObject.
func LookupS3Action(name string) (S3Action, bool) {
	a, ok := s3ActionIndex[strings.ToLower(name)]
	return a, ok
}

// MatchS3Actions returns the S3 actions a policy's Action value stands for: one action, or every
// action a pattern with the wildcards * and ? matches ("s3:Get*"). "*" matches every S3 action.
func MatchS3Actions(pattern string) []S3Action {
	if !strings.ContainsAny(pattern, "*?") {
		if a, ok := LookupS3Action(pattern); ok {
			return []S3Action{a}
		}
		return nil
	}
	re := wildcardRegexp(strings.ToLower(pattern))
	var out []S3Action
	for _, a := range s3Actions {
		if pattern == "*" || re.MatchString(strings.ToLower(a.Name)) {
			out = append(out, a)
		}
	}
	return out
}

func wildcardRegexp(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// NearestS3Action is the listed action closest to a misspelt one, for "did you mean" hints; ""
// when none is close.
func NearestS3Action(name string) string {
	names := make([]string, len(s3Actions))
	for i, a := range s3Actions {
		names[i] = a.Name
	}
	return nearest(name, names)
}

// Regions returns every Region of spec/data/regions.txt, ordered by partition then name.
func Regions() []Region { return append([]Region{}, regions...) }

// LookupRegion finds a Region by its code, e.g. "eu-west-1".
func LookupRegion(name string) (Region, bool) {
	r, ok := regionIndex[name]
	return r, ok
}

// similarRegions suggests listed Regions for an unknown one: those of the same area
// ("eu-west-9" -> eu-west-1, eu-west-2, eu-west-3), else the nearest by spelling.
func similarRegions(name string) []string {
	area := strings.TrimRight(name, "0123456789")
	var out []string
	for _, r := range regions {
		if area != "" && strings.HasSuffix(area, "-") && strings.HasPrefix(r.Name, area) {
			out = append(out, r.Name)
		}
	}
	if len(out) == 0 {
		names := make([]string, len(regions))
		for i, r := range regions {
			names[i] = r.Name
		}
		if n := nearest(name, names); n != "" {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// nearest is the candidate with the smallest edit distance to s (case-insensitive), when that
// distance is small next to the length of s.
func nearest(s string, candidates []string) string {
	best, bestD := "", len(s)/3+1
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(s), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
