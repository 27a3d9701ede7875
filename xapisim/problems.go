package xapisim

import (
	"fmt"
	"strings"
)

// Problem type URIs. The types the official OpenAPI spec enumerates use its
// host (api.x.com) so that the bodies validate against it; the types the spec
// does not list use api.twitter.com, as real responses do. Clients must match
// on the "/2/problems/<name>" suffix, and this mix makes them.
const (
	specProblems = "https://api.x.com/2/problems/"
	realProblems = "https://api.twitter.com/2/problems/"
)

// Problem bodies. They are maps so that each keeps exactly X's fields.

func problemBlank(status int, title string) map[string]any {
	return map[string]any{"title": title, "type": "about:blank", "status": status, "detail": title}
}

func problemUnauthorized() map[string]any { return problemBlank(401, "Unauthorized") }

func problemTooMany() map[string]any { return problemBlank(429, "Too Many Requests") }

func problemForbidden() map[string]any { return problemBlank(403, "Forbidden") }

func problemNotFound() map[string]any { return problemBlank(404, "Not Found") }

func problemUnavailable() map[string]any { return problemBlank(503, "Service Unavailable") }

func problemInternal() map[string]any {
	return map[string]any{
		"title":  "Internal Server Error",
		"type":   specProblems + "internal-error",
		"status": 500,
		"detail": "Internal Server Error",
	}
}

// problemInvalidRequest is X's 400: a list of the bad parameters with a
// message each. values are the parameter's values as sent: none (an
// empty list, not [""]) when it was empty or absent.
func problemInvalidRequest(param string, values []string, message string) map[string]any {
	if values == nil {
		values = []string{}
	}
	return map[string]any{
		"errors": []any{map[string]any{
			"parameters": map[string]any{param: values},
			"message":    message,
		}},
		"title":  "Invalid Request",
		"detail": "One or more parameters to your request was invalid.",
		"type":   specProblems + "invalid-request",
	}
}

// notFoundError is an entry of a 200 response's "errors" array.
func notFoundError(param, value, what string) map[string]any {
	return map[string]any{
		"value":         value,
		"detail":        fmt.Sprintf("Could not find user with %s: [%s].", what, value),
		"title":         "Not Found Error",
		"resource_type": "user",
		"parameter":     param,
		"resource_id":   value,
		"type":          specProblems + "resource-not-found",
	}
}

func problemUnsupportedAuth() map[string]any {
	return map[string]any{
		"title":  "Unsupported Authentication",
		"detail": "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].",
		"type":   realProblems + "unsupported-authentication",
		"status": 403,
	}
}

func problemUsageCapped() map[string]any {
	return map[string]any{
		"title":  "UsageCapExceeded",
		"type":   realProblems + "usage-capped",
		"period": "Monthly",
		"scope":  "Product",
		"detail": "Usage cap exceeded: Monthly product cap",
	}
}

func problemCredits() map[string]any {
	return map[string]any{
		"title":  "CreditsDepleted",
		"type":   realProblems + "credits",
		"status": 402,
		"detail": "Your enrolled account does not have any credits to fulfill this request.",
	}
}

func problemSuspended() map[string]any {
	return map[string]any{
		"title":  "Forbidden",
		"type":   realProblems + "user-suspended",
		"status": 403,
		"detail": "The user used for authentication is suspended",
	}
}

func problemClientForbidden(clientID string) map[string]any {
	return map[string]any{
		"client_id":           clientID,
		"detail":              "When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project. You can create a project via the developer portal.",
		"registration_url":    "https://developer.twitter.com/en/docs/projects/overview",
		"title":               "Client Forbidden",
		"required_enrollment": "Appropriate Level of API Access",
		"reason":              "client-not-enrolled",
		"type":                realProblems + "client-forbidden",
	}
}

// problemMissingScope is the 403 for a user token without a scope the
// endpoint needs.
func problemMissingScope(need []string) map[string]any {
	p := problemForbidden()
	p["detail"] = "Missing required OAuth 2.0 scopes: " + strings.Join(need, ", ")
	return p
}
