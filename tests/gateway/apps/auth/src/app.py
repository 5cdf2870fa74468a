import json


def echo(event, context):
    if event.get("resource") == "/keyed":
        identity = event["requestContext"]["identity"]
        return {"statusCode": 200, "body": json.dumps([identity["apiKey"], identity["apiKeyId"]])}
    return {"statusCode": 200, "body": json.dumps(event["requestContext"].get("authorizer"))}


def policy(effect, resource, context=None):
    answer = {
        "principalId": "alice",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
    }
    if context is not None:
        answer["context"] = context
    return answer


MARK = "v1"
CALLS = []


def token_auth(event, context):
    token = event["authorizationToken"]
    print(f"token_auth saw {token}")
    if token == "count":  # how often this environment was asked, and by which code
        CALLS.append(1)
        return policy("Allow", event["methodArn"], {"calls": len(CALLS), "mark": MARK})
    if token == "unauthorized":
        raise Exception("Unauthorized")
    if token == "broken":
        raise ValueError("the authorizer has a bug")
    if token == "elsewhere":  # allows some other method only
        return policy("Allow", event["methodArn"].rsplit("/", 2)[0] + "/POST/elsewhere")
    effect = "Allow" if token.startswith("allow") else "Deny"
    return policy(effect, event["methodArn"], {"type": event["type"], "user": "alice"})


def request_auth(event, context):
    allowed = event["headers"].get("X-Key") == "k1"
    tenant = event["queryStringParameters"]["tenant"]
    return policy("Allow" if allowed else "Deny", event["methodArn"], {"tenant": tenant})


def simple_auth(event, context):
    return {
        "isAuthorized": event["headers"]["authorization"] == "yes",
        "context": {"who": "bob", "identity": event["identitySource"], "type": event["type"]},
    }


def policy_auth(event, context):
    allowed = event["headers"]["authorization"] == "yes"
    return policy("Allow" if allowed else "Deny", event["routeArn"], {"who": "carol"})
