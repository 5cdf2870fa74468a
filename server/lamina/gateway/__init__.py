"""The HTTP fronts: API Gateway (REST and HTTP APIs) and Function URLs.

A route table (routes.py) from the template (template_apis.py), request → event (payload_v1.py,
payload_v2.py), result → response (responses.py), and the front that ties them to the runtime
(front.py). The aiohttp server (http_server.py) is a thin layer over `HttpRequest`/`HttpResponse`
(http_types.py): no event knowledge there, and no HTTP framework code anywhere else.
"""
