def handler(event, context):
    return {"statusCode": 200, "body": f"{event['httpMethod']} {event['resource']}"}
