def main(event, context):
    return {"generated": True}
