"""A SAM template whose one API route belongs to a function Lamina skips (nodejs, as in a mixed
SAM app): what `lamina api` and lamina.startApi refuse to serve, saying why (issue 16)."""

NODE_ONLY_API = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  NodeFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: nodejs20.x
      Events:
        Hello: {Type: Api, Properties: {Path: /hello, Method: get}}
"""
