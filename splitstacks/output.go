// What a consumer stack exports for the owner: one output, crossAccountS3, listing the consumers
// the stack connects with their accounts, VPCs, endpoint IDs, roles and access. The consumer
// program builds it from its validated spec and its endpoints' IDs; the owner decodes it.

package splitstacks

import (
	"encoding/json"
	"sort"

	"cross-account-s3/spec"
)

// OutputName is the consumer stack's output that the owner reads.
const OutputName = "crossAccountS3"

// SchemaVersion is the version this program writes and reads. A change that an older owner
// program would misread raises it.
const SchemaVersion = 1

// Adopted is Consumer.EndpointPolicy for an adopted endpoint, whose policy the stack does not
// manage.
const Adopted = "adopted"

// Output is the value of the crossAccountS3 output.
type Output struct {
	SchemaVersion int        `json:"schemaVersion"`
	Bucket        Bucket     `json:"bucket"`
	Consumers     []Consumer `json:"consumers"`
}

// Bucket names the bucket the consumer stack was made for; the owner refuses a stack of another
// bucket (or of another key).
type Bucket struct {
	AccountID string `json:"accountId"`
	Region    string `json:"region"`
	Name      string `json:"name"`
	// KMSKeyARN is bucketKmsKeyArn as the consumer stack has it ("" for none): its role policies
	// name the key.
	KMSKeyARN string `json:"kmsKeyArn"`
}

// Consumer is one consumer as the consumer stack deployed it.
type Consumer struct {
	Name          string   `json:"name"`
	AccountID     string   `json:"accountId"`
	Region        string   `json:"region"`
	VpcID         string   `json:"vpcId"`
	RouteTableIDs []string `json:"routeTableIds"`
	EndpointID    string   `json:"endpointId"`
	// EndpointPolicy is full-access, restricted, or Adopted.
	EndpointPolicy   string   `json:"endpointPolicy"`
	RoleARNs         []string `json:"roleArns"`
	Access           Access   `json:"access"`
	ManageRolePolicy bool     `json:"manageRolePolicy"`
}

// Access is what the consumer's roles are to be granted.
type Access struct {
	Actions []string `json:"actions"`
	// Prefixes are [] for the whole bucket, never null.
	Prefixes     []string `json:"prefixes"`
	AllowListing bool     `json:"allowListing"`
	// ViaServices are the AWS services the consumer lets call for its roles; left out when none,
	// so that the output of a consumer without any reads as before (and an owner of an older
	// version refuses a field it would not honour).
	ViaServices []string `json:"viaAwsServices,omitempty"`
}

// Build is the OutputName value of a consumer stack: its bucket and its consumers, each with the ID of
// the endpoint its traffic goes through (endpointIDs, by consumer name). Consumers are sorted by
// name and lists sorted, so that the owner's view of an unchanged stack never changes.
func Build(s spec.Spec, endpointIDs map[string]string) Output {
	out := Output{
		SchemaVersion: SchemaVersion,
		Bucket: Bucket{AccountID: s.Bucket.Account.ID, Region: s.Bucket.Account.Region, Name: s.Bucket.Name,
			KMSKeyARN: s.Bucket.Encryption.KMSKeyARN},
		Consumers: []Consumer{},
	}
	for _, c := range s.SortedConsumers() {
		policy := string(c.Endpoint.Policy)
		if c.Endpoint.AdoptID != "" {
			policy = Adopted
		}
		out.Consumers = append(out.Consumers, Consumer{
			Name: c.Name, AccountID: c.Account.ID, Region: c.Account.Region, VpcID: c.VpcID,
			RouteTableIDs:  sorted(c.RouteTableIDs),
			EndpointID:     endpointIDs[c.Name],
			EndpointPolicy: policy,
			RoleARNs:       sorted(c.RoleARNs),
			Access: Access{Actions: sorted(c.Access.Actions), Prefixes: sorted(c.Access.Prefixes),
				AllowListing: c.Access.AllowListing, ViaServices: nilIfEmpty(spec.SortedUnique(c.Access.ViaServices))},
			ManageRolePolicy: c.ManageRolePolicy,
		})
	}
	return out
}

// Spec is the consumer as the owner's spec holds it: enough for the bucket policy, the key grants
// and the owner's validation (which is spec.Validate's, as for a consumers item). Credentials are
// the consumer stack's own business and stay there.
func (c Consumer) Spec() spec.Consumer {
	endpoint := spec.Endpoint{Policy: spec.EndpointPolicyMode(c.EndpointPolicy)}
	if c.EndpointPolicy == Adopted {
		endpoint = spec.Endpoint{AdoptID: c.EndpointID, Policy: spec.FullAccess}
	}
	return spec.Consumer{
		Name:          c.Name,
		Account:       spec.Account{ID: c.AccountID, Region: c.Region},
		VpcID:         c.VpcID,
		RouteTableIDs: append([]string(nil), c.RouteTableIDs...),
		RoleARNs:      append([]string(nil), c.RoleARNs...),
		Endpoint:      endpoint,
		Access: spec.Access{Actions: append([]string(nil), c.Access.Actions...),
			Prefixes: append([]string(nil), c.Access.Prefixes...), AllowListing: c.Access.AllowListing,
			ViaServices: append([]string(nil), c.Access.ViaServices...)},
		ManageRolePolicy: c.ManageRolePolicy,
	}
}

func sorted(values []string) []string {
	out := append([]string{}, values...)
	sort.Strings(out)
	return out
}

// Value is the output as JSON values (maps, lists, strings, booleans, numbers): what the stack
// exports, and what Decode reads back.
func (o Output) Value() map[string]any {
	b, err := json.Marshal(o)
	if err != nil {
		panic(err) // only strings, booleans and ints: cannot fail
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

// nilIfEmpty keeps an optional list out of the output when it has nothing.
func nilIfEmpty(list []string) []string {
	if len(list) == 0 {
		return nil
	}
	return list
}
