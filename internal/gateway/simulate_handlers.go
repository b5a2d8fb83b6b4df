package gateway

import (
	"context"
	"strconv"

	"github.com/iamd/iamd/internal/authz"
	"github.com/iamd/iamd/internal/awserr"
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

// simulationPage renders one page of results; the marker is the index of
// the first result of the next page. Both simulate operations answer a
// SimulatePolicyResponse, so SimulateCustomPolicy's output is a conversion
// of this one.
func simulationPage(results []iam.SimulationResult, marker string, maxItems int) (*awsquery.SimulatePrincipalPolicyOutput, error) {
	start := 0
	if marker != "" {
		n, err := strconv.Atoi(marker)
		if err != nil || n < 0 || n > len(results) {
			return nil, awserr.New(awserr.InvalidInput, "Invalid Marker.")
		}
		start = n
	}
	max := len(results)
	if maxItems > 0 {
		max = maxItems
	}
	end := min(start+max, len(results))
	out := &awsquery.SimulatePrincipalPolicyOutput{EvaluationResults: []awsquery.EvaluationResult{}, IsTruncated: ptr(false)}
	for _, r := range results[start:end] {
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
	if end < len(results) {
		out.IsTruncated, out.Marker = ptr(true), ptr(strconv.Itoa(end))
	}
	return out, nil
}

// simulateHandlers are SimulatePrincipalPolicy and SimulateCustomPolicy.
func (s *Server) simulateHandlers() map[string]handler {
	return typedHandlers("iam", op(s.simulatePrincipalPolicy), op(s.simulateCustomPolicy))
}

func (s *Server) simulatePrincipalPolicy(ctx context.Context, p *authz.Principal, in *awsquery.SimulatePrincipalPolicyInput) (*awsquery.SimulatePrincipalPolicyOutput, error) {
	res, err := s.iam.SimulatePrincipalPolicy(ctx, p, iam.SimulationInput{PolicySourceARN: in.PolicySourceArn, PolicyInputList: in.PolicyInputList,
		ActionNames: in.ActionNames, ResourceARNs: in.ResourceArns, ContextEntries: contextEntries(in.ContextEntries), CallerARN: in.CallerArn})
	if err != nil {
		return nil, err
	}
	return simulationPage(res, in.Marker, in.MaxItems)
}

func (s *Server) simulateCustomPolicy(ctx context.Context, p *authz.Principal, in *awsquery.SimulateCustomPolicyInput) (*awsquery.SimulateCustomPolicyOutput, error) {
	res, err := s.iam.SimulateCustomPolicy(ctx, p, iam.SimulationInput{PolicyInputList: in.PolicyInputList,
		ActionNames: in.ActionNames, ResourceARNs: in.ResourceArns, ContextEntries: contextEntries(in.ContextEntries), CallerARN: in.CallerArn})
	if err != nil {
		return nil, err
	}
	out, err := simulationPage(res, in.Marker, in.MaxItems)
	return (*awsquery.SimulateCustomPolicyOutput)(out), err
}
