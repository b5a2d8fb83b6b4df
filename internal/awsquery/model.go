package awsquery

// The types below describe the subset of a botocore service model that the
// Query protocol needs: every operation, the shapes reachable from its input,
// and the wrapper element of its result. zz_model.go fills them in; nothing
// writes to them after construction.

//go:generate go run ./internal/genmodel -botocore=${IAMD_BOTOCORE_DIR} -out zz_model.go -errors-out ../awserr/zz_errors.go

// kind is the wire type of a shape.
type kind uint8

const (
	kindString kind = iota + 1
	kindInteger
	kindBoolean
	kindTimestamp
	kindBlob
	kindList
	kindStructure
	kindMap
)

// model is one Query API as botocore describes it.
type model struct {
	name       string // endpoint prefix: "iam", "sts"
	version    string // apiVersion, the value of the Version parameter
	namespace  string // xmlNamespace of every response
	operations []operation
	shapes     []shape
}

// operation is one Action.
type operation struct {
	name   string
	input  int    // index into model.shapes, or -1 when the operation takes no parameters
	result string // resultWrapper element, or "" when the operation has no output
}

// shape is one input type with its constraints. Lengths count characters for
// strings, elements for lists and entries for maps; min and max bound the
// value of integers.
type shape struct {
	name      string // botocore shape name, for diagnostics
	kind      kind
	hasMin    bool
	min       int64
	hasMax    bool
	max       int64
	pattern   string // Java syntax, exactly as in botocore; see goPattern
	enum      []string
	sensitive bool
	member    int      // list: element shape; map: value shape
	key       int      // map: key shape
	members   []member // structure, in model order
}

// member is one named member of a structure shape. name is also the wire name:
// none of the IAM or STS input shapes rename a member with locationName.
type member struct {
	name     string
	shape    int
	required bool
}
