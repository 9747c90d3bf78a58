package spec

// Side says which accounts' resources a stack holds (the side key).
type Side string

const (
	// SideBoth is the single-stack form: one stack holds the bucket owner's side and every
	// consumer's, with a provider per account.
	SideBoth Side = "both"
	// SideConsumer holds only consumer accounts' resources (providers, endpoints, role policies)
	// and exports what the bucket owner needs (package splitstacks); it needs only those
	// accounts' credentials.
	SideConsumer Side = "consumer"
	// SideOwner holds only the bucket owner's resources (its provider, the bucket policy, the key
	// grants), built from the outputs of consumer stacks; it needs only the bucket account's
	// credentials.
	SideOwner Side = "owner"
)

// Sides lists the valid values, the default first.
var Sides = []Side{SideBoth, SideConsumer, SideOwner}

// HasOwner reports whether a stack of this side manages the bucket owner's resources.
func (s Side) HasOwner() bool { return s != SideConsumer }

// HasConsumers reports whether a stack of this side manages consumer accounts' resources.
func (s Side) HasConsumers() bool { return s != SideOwner }
