// Command cross-account-s3 is the Pulumi program of this project; run it with `pulumi preview`
// and `pulumi up`.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"cross-account-s3/program"
)

func main() {
	pulumi.Run(program.Run)
}
