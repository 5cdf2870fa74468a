"""The HTTP fronts: API Gateway (REST and HTTP APIs) and Function URLs.

A route table (routes.py) from the template (template_apis.py), request → event (payload_v1.py,
payload_v2.py), result → response (responses.py), and the front that ties them to the runtime
(front.py). The HTTP layers are thin ones over `HttpRequest`/`HttpResponse` (http_types.py):
plain_http.py reads plain HTTP/1.x requests itself and hands the rest (WebSockets, chunked
bodies, malformed requests) to the aiohttp app of http_server.py. No event knowledge there, and
no HTTP framework code anywhere else.
"""
