def describe():
    return "dynamodb"
