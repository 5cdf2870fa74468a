def cleanup(event, context):
    return {"cleaned": context.function_name}
