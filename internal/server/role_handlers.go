package server

// roleHandlers are the IAM operations on roles.
func (s *Server) roleHandlers() map[string]handler {
	return map[string]handler{}
}

// stsRoleHandlers are the STS operations on roles (AssumeRole).
func (s *Server) stsRoleHandlers() map[string]handler {
	return map[string]handler{}
}
