package alert

// InternalKind is the kind of the source Alertgate itself reports through
// (remediation's final stops and approval requests). Nothing from outside
// may post as it, so every webhook is refused. It is not a sender kind:
// Lookup finds it, but it is kept out of kinds and so out of the forms.
const InternalKind = "internal"

var internalKind = Kind{
	Name:  InternalKind,
	Label: "Alertgate itself",
	Verify: func(Request, string) error {
		return authErrorf("this source is Alertgate's own and accepts no webhooks")
	},
	Decode: func(Request) (Delivery, error) {
		return Delivery{}, decodeErrorf("this source is Alertgate's own and accepts no webhooks")
	},
	GenerateSecret: newToken,
}
