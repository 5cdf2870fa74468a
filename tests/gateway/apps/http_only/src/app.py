def handler(event, context):
    return {"hello": "world", "cookies": event.get("cookies")}
