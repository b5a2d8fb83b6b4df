package gateway

import (
	"context"
	"github.com/iamd/iamd/internal/authz"
	"strconv"

	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/awsquery"
	"github.com/iamd/iamd/internal/iam"
)

type statementXML struct {
	SourcePolicyID   string `xml:"SourcePolicyId"`
	SourcePolicyType string `xml:"SourcePolicyType"`
}

type evaluationResultXML struct {
	EvalActionName       string                      `xml:"EvalActionName"`
	EvalResourceName     string                      `xml:"EvalResourceName"`
	EvalDecision         string                      `xml:"EvalDecision"`
	MatchedStatements    awsquery.List[statementXML] `xml:"MatchedStatements"`
	MissingContextValues awsquery.List[string]       `xml:"MissingContextValues"`
}

type simulateXML struct {
	EvaluationResults awsquery.List[evaluationResultXML] `xml:"EvaluationResults"`
	IsTruncated       bool                               `xml:"IsTruncated"`
	Marker            string                             `xml:"Marker,omitempty"`
}

// simulationInput reads the parameters the two simulate operations share.
func simulationInput(in awsquery.Params) iam.SimulationInput {
	si := iam.SimulationInput{
		PolicySourceARN: in.String("PolicySourceArn"),
		PolicyInputList: in.StringList("PolicyInputList"),
		ActionNames:     in.StringList("ActionNames"),
		ResourceARNs:    in.StringList("ResourceArns"),
		CallerARN:       in.String("CallerArn"),
	}
	for _, e := range in.StructList("ContextEntries") {
		si.ContextEntries = append(si.ContextEntries, iam.ContextEntry{Key: e.String("ContextKeyName"), Values: e.StringList("ContextKeyValues")})
	}
	return si
}

// simulationPage renders one page of results; the marker is the index of
// the first result of the next page.
func simulationPage(results []iam.SimulationResult, in awsquery.Params) (any, error) {
	start := 0
	if m := in.String("Marker"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 0 || n > len(results) {
			return nil, awserr.New(awserr.InvalidInput, "Invalid Marker.")
		}
		start = n
	}
	max := len(results)
	if n, ok := in.Int("MaxItems"); ok {
		max = int(n)
	}
	end := min(start+max, len(results))
	out := &simulateXML{EvaluationResults: awsquery.List[evaluationResultXML]{}}
	for _, r := range results[start:end] {
		x := evaluationResultXML{EvalActionName: r.Action, EvalResourceName: r.Resource, EvalDecision: r.Decision,
			MatchedStatements: awsquery.List[statementXML]{}, MissingContextValues: awsquery.List[string](r.MissingContextValues)}
		if x.MissingContextValues == nil {
			x.MissingContextValues = awsquery.List[string]{}
		}
		for _, m := range r.Matched {
			x.MatchedStatements = append(x.MatchedStatements, statementXML{m.SourcePolicyID, m.SourcePolicyType})
		}
		out.EvaluationResults = append(out.EvaluationResults, x)
	}
	if end < len(results) {
		out.IsTruncated, out.Marker = true, strconv.Itoa(end)
	}
	return out, nil
}

// simulateHandlers are SimulatePrincipalPolicy and SimulateCustomPolicy.
func (s *Server) simulateHandlers() map[string]handler {
	return map[string]handler{
		"SimulatePrincipalPolicy": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			res, err := s.iam.SimulatePrincipalPolicy(ctx, p, simulationInput(in))
			if err != nil {
				return nil, err
			}
			return simulationPage(res, in)
		},
		"SimulateCustomPolicy": func(ctx context.Context, p *authz.Principal, in awsquery.Params) (any, error) {
			res, err := s.iam.SimulateCustomPolicy(ctx, p, simulationInput(in))
			if err != nil {
				return nil, err
			}
			return simulationPage(res, in)
		},
	}
}
