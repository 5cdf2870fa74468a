"""A function that is its own runtime, as a provided.al2023 `bootstrap` or the Lambda Web
Adapter is: on import it takes over the Runtime API, and answers each event with a streamed
response (`Lambda-Runtime-Function-Response-Mode: streaming`, chunked), a Function URL prelude
first. A path holding "fail" ends the stream with the error trailers ("failfirst": before any
chunk); `?release=FILE` waits after the first word until FILE exists, `?pause=S` sleeps S
seconds there. For the REST API's routes: "slowhead" waits 3 s before its prelude, "multi" adds
multiValueHeaders, "noprelude" sends 17 KB and no prelude, "badprelude" a prelude with
isBase64Encoded (no prelude has it)."""

import base64
import http.client
import json
import os
import time


def _chunk(connection, data):
    connection.send(b"%x\r\n%s\r\n" % (len(data), data))


def _appears(path, seconds=5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return True
        time.sleep(0.01)
    return False


def _serve():
    host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
    connection = http.client.HTTPConnection(host, int(port))
    while True:
        connection.request("GET", "/2018-06-01/runtime/invocation/next")
        answer = connection.getresponse()
        event = json.loads(answer.read())
        request_id = answer.getheader("Lambda-Runtime-Aws-Request-Id")
        connection.putrequest("POST", f"/2018-06-01/runtime/invocation/{request_id}/response")
        connection.putheader("Lambda-Runtime-Function-Response-Mode", "streaming")
        connection.putheader("Transfer-Encoding", "chunked")
        connection.putheader("Content-Type", "application/vnd.awslambda.http-integration-response")
        connection.putheader(
            "Trailer", "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body"
        )
        connection.endheaders()
        path = event.get("rawPath") or event["path"]  # a Function URL's 2.0, a REST API's 1.0
        query = event.get("queryStringParameters") or {}
        if "slowhead" in path:  # nothing for a while: longer than its integration timeout
            time.sleep(3)
        if "noprelude" in path:  # 17 KB without a prelude, then a wait for `release`
            _chunk(connection, b"x" * 17_000)
            _appears(query.get("release", "-"))
        elif "failfirst" not in path:
            prelude = {"statusCode": 201, "headers": {"Content-Type": "text/plain"}}
            prelude["cookies"] = ["a=1"]
            if "badprelude" in path:  # a field no prelude has
                prelude["isBase64Encoded"] = True
            if "multi" in path:  # a REST prelude may hold multiValueHeaders
                prelude["multiValueHeaders"] = {"X-Many": ["a", "b"], "Set-Cookie": ["b=2"]}
            _chunk(connection, json.dumps(prelude).encode() + b"\0" * 8)
            _chunk(connection, b"one ")
            if query.get("release"):  # wait until the client has seen "one " (it then makes it)
                _chunk(connection, b"released " if _appears(query["release"]) else b"waited ")
            if query.get("pause"):  # a pause longer than the route's integration timeout
                time.sleep(float(query["pause"]))
            for word in (b"two ", b"three ", path.encode()):
                _chunk(connection, word)
        if "fail" in path:
            error = {"errorMessage": "broke midway", "errorType": "StreamError"}
            body = base64.b64encode(json.dumps(error).encode())
            connection.send(
                b"0\r\nLambda-Runtime-Function-Error-Type: StreamError\r\n"
                b"Lambda-Runtime-Function-Error-Body: " + body + b"\r\n\r\n"
            )
        else:
            connection.send(b"0\r\n\r\n")
        connection.getresponse().read()


def handler(event, context):  # never called: the module serves the Runtime API itself
    raise RuntimeError("unreachable")


_serve()
