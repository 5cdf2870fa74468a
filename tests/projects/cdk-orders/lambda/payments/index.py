def charge(event, context):
    return {"charged": event.get("amount", 0), "file": __file__}
