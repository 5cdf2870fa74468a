def handler(event, context):
    return {"report": context.function_name}
