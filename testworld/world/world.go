// Package world is the AWS that the fake pulumi-resource-aws plugin (testworld/fakeaws)
// acts on: accounts and their credentials, buckets, roles, VPCs, route tables, gateway endpoints,
// and KMS keys with their aliases and grants,
// kept in one JSON file so that several plugin processes (one per explicit provider) and the test
// that set it up all see the same state. Every read-modify-write holds an exclusive flock on
// "<file>.lock". What the plugins did is appended to an operation log (JSON lines), see Op.
package world

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
)

// World is the whole modelled AWS. Maps are keyed as documented per field; encoding/json writes
// map keys sorted, so the file is deterministic.
type World struct {
	// Credentials: "profile:<name>" -> account ID that profile's credentials belong to; "ambient" ->
	// account ID of the credentials in the environment (absent: there are none). An assumed role's
	// account is the one in its ARN.
	Credentials map[string]string `json:"credentials"`
	// Buckets by name.
	Buckets map[string]Bucket `json:"buckets"`
	// Roles: account ID -> names of the IAM roles that exist in it.
	Roles map[string][]string `json:"roles"`
	// RolePolicies: RolePolicyKey(account, role, policyName) -> policy document.
	RolePolicies map[string]string `json:"rolePolicies"`
	// VPCs by VPC ID.
	VPCs map[string]VPC `json:"vpcs"`
	// RouteTables by route table ID.
	RouteTables map[string]RouteTable `json:"routeTables"`
	// Endpoints by VPC endpoint ID.
	Endpoints map[string]Endpoint `json:"endpoints"`
	// Keys are KMS keys by key ID (a UUID, or "mrk-" and 32 hex digits for a multi-Region key).
	Keys map[string]Key `json:"keys,omitempty"`
	// Aliases: AliasKey(account, region, "alias/NAME") -> the target key's ID.
	Aliases map[string]string `json:"aliases,omitempty"`
	// Next is the counter behind deterministic new IDs (see NewID).
	Next int `json:"next"`
	// Denied: account ID -> IAM actions (e.g. "s3:GetBucketPolicy") that every principal of the
	// account is refused, as an identity policy without them would: the plugin's lookups answer
	// AccessDenied (UnauthorizedOperation for EC2, 403 Forbidden for S3's HeadBucket).
	Denied map[string][]string `json:"denied,omitempty"`
	// RoleGenerations: RoleKey(account, name) -> how many times the role was deleted. A role
	// created again under the same name gets a new unique ID (see RoleUniqueID).
	RoleGenerations map[string]int `json:"roleGenerations,omitempty"`
	// RolePaths are the IAM paths of roles that have one ("/service/"), by RoleKey.
	RolePaths map[string]string `json:"rolePaths,omitempty"`
}

// Bucket is an S3 bucket. Policy is its bucket policy document, "" when it has none.
type Bucket struct {
	Account string `json:"account"`
	Region  string `json:"region"`
	Policy  string `json:"policy"`
}

// VPC is a VPC of an account in a Region.
type VPC struct {
	Account string `json:"account"`
	Region  string `json:"region"`
}

// RouteTable is a route table of an account, in one VPC.
type RouteTable struct {
	Account string `json:"account"`
	VPC     string `json:"vpc"`
}

// Endpoint is a VPC endpoint. Type is "Gateway" for the S3 gateway endpoints modelled here.
type Endpoint struct {
	Account       string            `json:"account"`
	Region        string            `json:"region"`
	VpcID         string            `json:"vpcId"`
	ServiceName   string            `json:"serviceName"`
	Type          string            `json:"type"`
	RouteTableIDs []string          `json:"routeTableIds"`
	Policy        string            `json:"policy"`
	PrefixListID  string            `json:"prefixListId"`
	State         string            `json:"state"`
	Tags          map[string]string `json:"tags,omitempty"`
}

// DefaultEndpointPolicy is the policy AWS attaches to an endpoint created without one: full access.
const DefaultEndpointPolicy = `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`

// New returns an empty world with every map allocated.
func New() *World {
	w := &World{}
	w.init()
	return w
}

func (w *World) init() {
	if w.Credentials == nil {
		w.Credentials = map[string]string{}
	}
	if w.Buckets == nil {
		w.Buckets = map[string]Bucket{}
	}
	if w.Roles == nil {
		w.Roles = map[string][]string{}
	}
	if w.RolePolicies == nil {
		w.RolePolicies = map[string]string{}
	}
	if w.VPCs == nil {
		w.VPCs = map[string]VPC{}
	}
	if w.RouteTables == nil {
		w.RouteTables = map[string]RouteTable{}
	}
	if w.Endpoints == nil {
		w.Endpoints = map[string]Endpoint{}
	}
	if w.Keys == nil {
		w.Keys = map[string]Key{}
	}
	if w.Aliases == nil {
		w.Aliases = map[string]string{}
	}
}

// RolePolicyKey is the World.RolePolicies key of an inline policy.
func RolePolicyKey(account, role, name string) string {
	return account + "/" + role + "/" + name
}

// BucketPolicyPhysical is the physical identity of a bucket's policy: what AWS keeps exactly one
// of, whichever resource wrote it. Op.Physical holds one of the *Physical identities.
func BucketPolicyPhysical(bucket string) string { return "bucket-policy:" + bucket }

// RolePolicyPhysical is the physical identity of an inline role policy.
func RolePolicyPhysical(account, role, name string) string {
	return "role-policy:" + RolePolicyKey(account, role, name)
}

// EndpointPhysical is the physical identity of a VPC endpoint.
func EndpointPhysical(id string) string { return "vpc-endpoint:" + id }

// HasRole reports whether the role exists in the account.
func (w *World) HasRole(account, name string) bool {
	return slices.Contains(w.Roles[account], name)
}

// RoleKey keys World.RoleGenerations.
func RoleKey(account, name string) string { return account + "/" + name }

// RoleUniqueID is the unique ID of a role as it exists now (made up, stable): "AROA" and 17
// upper-case letters and digits, different for each generation of the role.
func (w *World) RoleUniqueID(account, name string) string {
	return roleUniqueID(account, name, w.RoleGenerations[RoleKey(account, name)])
}

// FormerRoleUniqueID is the unique ID a deleted role had: what IAM writes in its place in the
// policies and grants that named it.
func (w *World) FormerRoleUniqueID(account, name string) string {
	g := w.RoleGenerations[RoleKey(account, name)]
	if g > 0 && !w.HasRole(account, name) {
		g--
	}
	return roleUniqueID(account, name, g)
}

func roleUniqueID(account, name string, generation int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	seed := account + "/" + name
	if generation > 0 {
		seed += fmt.Sprintf("#%d", generation)
	}
	sum := sha256.Sum256([]byte(seed))
	var b strings.Builder
	b.WriteString("AROA")
	for i := 0; i < 17; i++ {
		b.WriteByte(alphabet[int(sum[i])%len(alphabet)])
	}
	return b.String()
}

// DeleteRole deletes a role as IAM does: its inline policies go with it, and every bucket policy
// naming it as a principal names its unique ID instead (IAM keeps a deleted principal's unique
// ID in resource policies, so that a role created again under the same name is not trusted). A
// role created again (AddRole) gets a new unique ID.
func (w *World) DeleteRole(account, name string) {
	w.init()
	id := w.RoleUniqueID(account, name)
	w.Roles[account] = slices.DeleteFunc(w.Roles[account], func(r string) bool { return r == name })
	for key := range w.RolePolicies {
		if strings.HasPrefix(key, account+"/"+name+"/") {
			delete(w.RolePolicies, key)
		}
	}
	for bucket, b := range w.Buckets {
		if b.Policy != "" {
			b.Policy = replacePrincipal(b.Policy, func(p string) bool {
				m := roleARNPattern.FindStringSubmatch(p)
				return m != nil && m[1] == account && m[2] == name
			}, id)
			w.Buckets[bucket] = b
		}
	}
	if w.RoleGenerations == nil {
		w.RoleGenerations = map[string]int{}
	}
	w.RoleGenerations[RoleKey(account, name)]++
}

var roleARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:iam::(\d{12}):role/(?:[^:]*/)?([\w+=,.@-]+)$`)

// replacePrincipal rewrites the AWS principals (Principal and NotPrincipal) of a policy that
// match to id; a policy that does not parse is returned as it is.
func replacePrincipal(policy string, match func(string) bool, id string) string {
	var doc map[string]any
	dec := json.NewDecoder(strings.NewReader(policy))
	dec.UseNumber()
	if dec.Decode(&doc) != nil {
		return policy
	}
	statements, ok := doc["Statement"].([]any)
	if !ok {
		statements = []any{doc["Statement"]}
	}
	changed := false
	for _, st := range statements {
		m, _ := st.(map[string]any)
		for _, el := range []string{"Principal", "NotPrincipal"} {
			p, _ := m[el].(map[string]any)
			switch v := p["AWS"].(type) {
			case string:
				if match(v) {
					p["AWS"], changed = id, true
				}
			case []any:
				for i, e := range v {
					if s, ok := e.(string); ok && match(s) {
						v[i], changed = id, true
					}
				}
			}
		}
	}
	if !changed {
		return policy
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return policy
	}
	return string(out)
}

// Deny makes every principal of the account refused the IAM action (idempotent).
func (w *World) Deny(account, action string) {
	w.init()
	if w.Denied == nil {
		w.Denied = map[string][]string{}
	}
	if !slices.Contains(w.Denied[account], action) {
		w.Denied[account] = append(w.Denied[account], action)
		slices.Sort(w.Denied[account])
	}
}

// IsDenied reports whether the account's principals are refused the action.
func (w *World) IsDenied(account, action string) bool {
	return slices.Contains(w.Denied[account], action)
}

// SetRolePath gives a role an IAM path ("/service/"); a role without one has the path "/".
func (w *World) SetRolePath(account, name, path string) {
	if w.RolePaths == nil {
		w.RolePaths = map[string]string{}
	}
	w.RolePaths[RoleKey(account, name)] = path
}

// RolePath is a role's IAM path.
func (w *World) RolePath(account, name string) string {
	if p := w.RolePaths[RoleKey(account, name)]; p != "" {
		return p
	}
	return "/"
}

// AddRole makes the role exist in the account (idempotent; names stay sorted).
func (w *World) AddRole(account, name string) {
	w.init()
	if w.HasRole(account, name) {
		return
	}
	w.Roles[account] = append(w.Roles[account], name)
	slices.Sort(w.Roles[account])
}

// NewID advances the counter and returns prefix + "-" + n lowercase hex digits derived from it:
// the same world gives the same IDs in the same order.
func (w *World) NewID(prefix string, n int) string {
	w.Next++
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s/%d", prefix, w.Next)))
	return prefix + "-" + hex.EncodeToString(sum[:])[:n]
}

// PrefixListID is the ID of the S3 prefix list of a Region (AWS's for eu-west-1 and us-east-1,
// made up but stable for any other Region).
func PrefixListID(region string) string {
	switch region {
	case "eu-west-1":
		return "pl-6da54004"
	case "us-east-1":
		return "pl-63a5400a"
	}
	sum := sha256.Sum256([]byte("prefix-list/" + region))
	return "pl-" + hex.EncodeToString(sum[:])[:8]
}

// IsS3Service reports whether a service name is an S3 one (com.amazonaws.<region>.s3).
func IsS3Service(serviceName string) bool { return strings.HasSuffix(serviceName, ".s3") }

// Load reads the world file under a shared lock. A missing file is an error (wrapping
// fs.ErrNotExist); create it with Save or Update.
func Load(path string) (*World, error) {
	unlock, err := lock(path, syscall.LOCK_SH)
	if err != nil {
		return nil, err
	}
	defer unlock()
	return read(path)
}

// Save writes the world file (atomically, by rename) under the exclusive lock.
func Save(path string, w *World) error {
	unlock, err := lock(path, syscall.LOCK_EX)
	if err != nil {
		return err
	}
	defer unlock()
	return write(path, w)
}

// Update is a locked read-modify-write: it loads the world (an empty one if the file does not
// exist yet), calls fn, and saves the result unless fn returns an error, which Update returns.
// Nothing else can read or write the file in between, in this process or another.
func Update(path string, fn func(*World) error) error {
	unlock, err := lock(path, syscall.LOCK_EX)
	if err != nil {
		return err
	}
	defer unlock()
	w, err := read(path)
	if errors.Is(err, fs.ErrNotExist) {
		w, err = New(), nil
	}
	if err != nil {
		return err
	}
	if err := fn(w); err != nil {
		return err
	}
	return write(path, w)
}

// View calls fn with the world under the exclusive lock and saves nothing: a read that is ordered
// with the Updates (and their log lines) around it. A missing file is an error.
func View(path string, fn func(*World) error) error {
	unlock, err := lock(path, syscall.LOCK_EX)
	if err != nil {
		return err
	}
	defer unlock()
	w, err := read(path)
	if err != nil {
		return err
	}
	return fn(w)
}

func read(path string) (*World, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("world: %w", err)
	}
	w := &World{}
	if err := json.Unmarshal(data, w); err != nil {
		return nil, fmt.Errorf("world: %s: %w", path, err)
	}
	w.init()
	return w, nil
}

func write(path string, w *World) error {
	w.init()
	data, err := json.MarshalIndent(w, "", "  ")
	if err != nil {
		return fmt.Errorf("world: %w", err)
	}
	data = append(data, '\n')
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("world: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("world: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("world: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("world: %w", err)
	}
	return nil
}

// lock takes a flock on "<path>.lock". flock locks belong to the open file description, so two
// goroutines of one process exclude each other as two processes do.
func lock(path string, how int) (func(), error) {
	f, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("world: lock: %w", err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("world: lock %s: %w", f.Name(), err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// Op is one thing a plugin process did (or tried), as a line of the operation log.
type Op struct {
	// Seq numbers the log's lines from 1, in the order they were appended.
	Seq int `json:"seq"`
	// Op is configure, create, update, delete, read or invoke.
	Op string `json:"op"`
	// Type is the resource type, the invoke token, or the provider type for configure.
	Type string `json:"type,omitempty"`
	// URN of the resource (of the provider for configure).
	URN string `json:"urn,omitempty"`
	// ID of the resource, when it has one.
	ID string `json:"id,omitempty"`
	// The plugin process's provider: resolved account, Region, and the credentials config it got.
	Account           string   `json:"account,omitempty"`
	Region            string   `json:"region,omitempty"`
	Profile           string   `json:"profile,omitempty"`
	AssumeRoleArn     string   `json:"assumeRoleArn,omitempty"`
	AllowedAccountIds []string `json:"allowedAccountIds,omitempty"`
	// Physical identity acted on (BucketPolicyPhysical, RolePolicyPhysical, EndpointPhysical).
	Physical string `json:"physical,omitempty"`
	// Inputs as sent (secrets replaced by "[secret]", unknowns by "[unknown]").
	Inputs map[string]any `json:"inputs,omitempty"`
	// Error is the error returned to the engine, "" on success.
	Error string `json:"error,omitempty"`
}

// AppendOp appends op to the log at path under an exclusive flock on "<path>.lock", setting its
// Seq to one more than the number of lines already there, and returns the op as written.
func AppendOp(path string, op Op) (Op, error) {
	unlock, err := lock(path, syscall.LOCK_EX)
	if err != nil {
		return op, err
	}
	defer unlock()
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return op, fmt.Errorf("world: log: %w", err)
	}
	op.Seq = bytes.Count(data, []byte("\n")) + 1
	line, err := json.Marshal(op)
	if err != nil {
		return op, fmt.Errorf("world: log: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return op, fmt.Errorf("world: log: %w", err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return op, fmt.Errorf("world: log: %w", err)
	}
	return op, f.Close()
}

// ReadLog reads the operation log; a missing file is an empty log.
func ReadLog(path string) ([]Op, error) {
	unlock, err := lock(path, syscall.LOCK_SH)
	if err != nil {
		return nil, err
	}
	defer unlock()
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("world: log: %w", err)
	}
	var ops []Op
	for i, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var op Op
		if err := json.Unmarshal(line, &op); err != nil {
			return nil, fmt.Errorf("world: log %s line %d: %w", path, i+1, err)
		}
		ops = append(ops, op)
	}
	return ops, nil
}

// Key is a KMS key. Only grants are ever written by the fake plugin: its Policy and every other
// field stay as the test set them, so a test can prove that nothing else on the key changed.
type Key struct {
	Account string `json:"account"`
	Region  string `json:"region"`
	// Manager is "CUSTOMER" (a customer managed key) or "AWS" (an AWS managed key, aws/s3 ...).
	Manager string `json:"manager"`
	// Spec is the key spec: "SYMMETRIC_DEFAULT", "RSA_2048", "HMAC_256", ...
	Spec string `json:"spec"`
	// Usage is the key usage; "" means the default of its spec (see KeyUsage).
	Usage   string `json:"usage,omitempty"`
	Enabled bool   `json:"enabled"`
	// PendingDeletion marks a key scheduled for deletion (KMS then also reports it disabled).
	PendingDeletion bool   `json:"pendingDeletion,omitempty"`
	Description     string `json:"description,omitempty"`
	// Policy is the key policy document.
	Policy string  `json:"policy"`
	Grants []Grant `json:"grants,omitempty"`
}

// Grant is a KMS grant on a key.
type Grant struct {
	ID                string   `json:"id"`
	Name              string   `json:"name,omitempty"`
	GranteePrincipal  string   `json:"granteePrincipal"`
	RetiringPrincipal string   `json:"retiringPrincipal,omitempty"`
	Operations        []string `json:"operations"`
	// At most one of the two constraint maps is set.
	EncryptionContextEquals map[string]string `json:"encryptionContextEquals,omitempty"`
	EncryptionContextSubset map[string]string `json:"encryptionContextSubset,omitempty"`
	// IssuingAccount is the account that created the grant.
	IssuingAccount string `json:"issuingAccount"`
}

// KMS key managers and the key spec S3 uses.
const (
	KeyManagerCustomer = "CUSTOMER"
	KeyManagerAWS      = "AWS"
	KeySpecSymmetric   = "SYMMETRIC_DEFAULT"
)

// KeyUsage is the key's usage: its own, else its spec's default (ENCRYPT_DECRYPT for symmetric
// and RSA keys, SIGN_VERIFY for ECC keys, GENERATE_VERIFY_MAC for HMAC keys).
func (k Key) KeyUsage() string {
	switch {
	case k.Usage != "":
		return k.Usage
	case strings.HasPrefix(k.Spec, "HMAC_"):
		return "GENERATE_VERIFY_MAC"
	case strings.HasPrefix(k.Spec, "ECC_"):
		return "SIGN_VERIFY"
	}
	return "ENCRYPT_DECRYPT"
}

// State is the key state KMS reports: PendingDeletion, Enabled or Disabled.
func (k Key) State() string {
	switch {
	case k.PendingDeletion:
		return "PendingDeletion"
	case k.Enabled:
		return "Enabled"
	}
	return "Disabled"
}

// KeyARN is the ARN of the key with this ID.
func (k Key) KeyARN(id string) string {
	return "arn:" + PartitionOf(k.Region) + ":kms:" + k.Region + ":" + k.Account + ":key/" + id
}

// PartitionOf is the partition of a Region, enough for the Regions tests use.
func PartitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// AliasKey is the World.Aliases key of an alias ("alias/NAME") of an account in a Region.
func AliasKey(account, region, name string) string { return account + "/" + region + "/" + name }

// AliasARN is the ARN of an alias.
func AliasARN(account, region, name string) string {
	return "arn:" + PartitionOf(region) + ":kms:" + region + ":" + account + ":" + name
}

// KeyPhysical is the physical identity of a KMS key (what a getKey lookup read).
func KeyPhysical(keyID string) string { return "kms-key:" + keyID }

// GrantPhysical is the physical identity of a grant on a key.
func GrantPhysical(keyID, grantID string) string { return "kms-grant:" + keyID + "/" + grantID }

// AddKey puts a key in the world, with an alias of its account and Region for each name given
// ("alias/NAME").
func (w *World) AddKey(id string, k Key, aliases ...string) {
	w.init()
	w.Keys[id] = k
	for _, a := range aliases {
		w.Aliases[AliasKey(k.Account, k.Region, a)] = id
	}
}

// NewHex advances the counter and returns n lowercase hex digits derived from it (n <= 64).
func (w *World) NewHex(prefix string, n int) string {
	return strings.TrimPrefix(w.NewID(prefix, n), prefix+"-")
}
