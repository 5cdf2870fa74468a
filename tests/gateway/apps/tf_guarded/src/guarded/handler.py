import json


def echo(event, context):
    """What the gateway learned about the caller: the authorizer's context, the API key."""
    found = {
        "authorizer": event["requestContext"].get("authorizer"),
        "apiKey": (event["requestContext"].get("identity") or {}).get("apiKey"),
    }
    return {"statusCode": 200, "body": json.dumps(found)}


def policy(effect, resource, context):
    statement = {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}
    return {
        "principalId": "alice",
        "policyDocument": {"Version": "2012-10-17", "Statement": [statement]},
        "context": context,
    }


def token_auth(event, context):
    token = event["authorizationToken"]
    if token == "nobody":
        raise Exception("Unauthorized")
    effect = "Allow" if token == "allow" else "Deny"
    return policy(effect, event["methodArn"], {"kind": event["type"]})


def request_auth(event, context):
    allowed = event["headers"].get("X-Key") == "k1"
    tenant = event["queryStringParameters"]["tenant"]
    return policy("Allow" if allowed else "Deny", event["methodArn"], {"tenant": tenant})


def simple_auth(event, context):
    return {
        "isAuthorized": event["headers"]["authorization"] == "yes",
        "context": {"who": "bob", "identity": event["identitySource"]},
    }


def lookup(event, context):
    """A non-proxy integration's function: it gets what the request template made."""
    if event["id"] == 0:
        raise LookupError(f"item {event['id']} not found")
    return {"id": event["id"], "stage": event["stage"]}
