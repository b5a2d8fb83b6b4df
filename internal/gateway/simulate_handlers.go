package gateway

import (
	"context"

	"github.com/iamd/iamd/internal/authz"
	"github.com/iamd/iamd/internal/awsquery"
	"github.com/iamd/iamd/internal/iam"
)

// contextEntries reads the ContextEntries the two simulate operations share.
func contextEntries(in []awsquery.ContextEntry) []iam.ContextEntry {
	var out []iam.ContextEntry
	for _, e := range in {
		out = append(out, iam.ContextEntry{Key: e.ContextKeyName, Values: e.ContextKeyValues})
	}
	return out
}

// simulationPage renders one page of results, which the iam domain
// evaluated alone. Both simulate operations answer a
// SimulatePolicyResponse, so SimulateCustomPolicy's output is a conversion
// of this one.
func simulationPage(results []iam.SimulationResult, next string) *awsquery.SimulatePrincipalPolicyOutput {
	out := &awsquery.SimulatePrincipalPolicyOutput{EvaluationResults: []awsquery.EvaluationResult{}, IsTruncated: ptr(next != "")}
	if next != "" {
		out.Marker = ptr(next)
	}
	for _, r := range results {
		x := awsquery.EvaluationResult{EvalActionName: r.Action, EvalResourceName: r.Resource, EvalDecision: r.Decision,
			MatchedStatements: []awsquery.Statement{}, MissingContextValues: r.MissingContextValues}
		if x.MissingContextValues == nil {
			x.MissingContextValues = []string{}
		}
		for _, m := range r.Matched {
			x.MatchedStatements = append(x.MatchedStatements, awsquery.Statement{SourcePolicyId: ptr(m.SourcePolicyID), SourcePolicyType: m.SourcePolicyType})
		}
		out.EvaluationResults = append(out.EvaluationResults, x)
	}
	return out
}

// simulateHandlers are SimulatePrincipalPolicy and SimulateCustomPolicy.
func (s *Server) simulateHandlers() map[string]handler {
	return typedHandlers("iam", op(s.simulatePrincipalPolicy), op(s.simulateCustomPolicy))
}

func (s *Server) simulatePrincipalPolicy(ctx context.Context, p *authz.Principal, in *awsquery.SimulatePrincipalPolicyInput) (*awsquery.SimulatePrincipalPolicyOutput, error) {
	res, next, err := s.iam.SimulatePrincipalPolicy(ctx, p, iam.SimulationInput{PolicySourceARN: in.PolicySourceArn, PolicyInputList: in.PolicyInputList,
		ActionNames: in.ActionNames, ResourceARNs: in.ResourceArns, ContextEntries: contextEntries(in.ContextEntries), CallerARN: in.CallerArn,
		Marker: in.Marker, MaxItems: in.MaxItems})
	if err != nil {
		return nil, err
	}
	return simulationPage(res, next), nil
}

func (s *Server) simulateCustomPolicy(ctx context.Context, p *authz.Principal, in *awsquery.SimulateCustomPolicyInput) (*awsquery.SimulateCustomPolicyOutput, error) {
	res, next, err := s.iam.SimulateCustomPolicy(ctx, p, iam.SimulationInput{PolicyInputList: in.PolicyInputList,
		ActionNames: in.ActionNames, ResourceARNs: in.ResourceArns, ContextEntries: contextEntries(in.ContextEntries), CallerARN: in.CallerArn,
		Marker: in.Marker, MaxItems: in.MaxItems})
	if err != nil {
		return nil, err
	}
	return (*awsquery.SimulateCustomPolicyOutput)(simulationPage(res, next)), nil
}
