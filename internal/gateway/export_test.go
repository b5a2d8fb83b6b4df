package gateway

import "sort"

// ServedOperations lists the operations the server answers, as
// "service:Operation" with the SigV4 service name, for the tests that must
// cover every one of them.
func ServedOperations(s *Server) []string {
	var ops []string
	for _, a := range []*api{{handlers: s.iamHandlers()}} {
		for op := range a.handlers {
			ops = append(ops, "iam:"+op)
		}
	}
	for op := range s.stsHandlers() {
		ops = append(ops, "sts:"+op)
	}
	for op := range s.sqHandlers {
		ops = append(ops, "servicequotas:"+op)
	}
	if s.routes[cloudTrailService] != nil {
		ops = append(ops, "cloudtrail:LookupEvents")
	}
	sort.Strings(ops)
	return ops
}
