"""Entry point for gunicorn: `gunicorn wsgi:app` from this folder."""
import predictor

app = predictor.app
