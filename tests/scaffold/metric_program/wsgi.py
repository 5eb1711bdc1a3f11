"""The stand-in model's server for gunicorn (`wsgi:app`): /ping, and /invocations answering the
row ids of a CSV request with a constant prediction. Standard library only."""


def app(environ, start_response):
    path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
    if path == "/ping" and method == "GET":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"\n"]
    if path == "/invocations" and method == "POST":
        size = int(environ.get("CONTENT_LENGTH") or 0)
        lines = environ["wsgi.input"].read(size).decode("utf-8").splitlines()
        ids = [line.split(",", 1)[0] for line in lines[1:] if line.strip()]
        body = "".join([f"{lines[0].split(',', 1)[0]},prediction\n"] + [f"{i},0\n" for i in ids])
        start_response("200 OK", [("Content-Type", "text/csv")])
        return [body.encode("utf-8")]
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found\n"]
