package server

// policyHandlers are the IAM operations on groups, managed and inline
// policies, and attachments.
func (s *Server) policyHandlers() map[string]handler {
	return map[string]handler{}
}
