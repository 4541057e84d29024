import os

from celery import Celery
from celery.signals import before_task_publish, task_postrun, task_prerun

from config import metrics, request_log
from config.health import WorkerHeartbeat

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("mlfit")
# Every Celery option lives in Django settings under the CELERY_ namespace.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Operations (config/request_log.py, config/metrics.py, config/health.py): every log record carries
# the id of the request it serves, and a job carries the id of the request that sent it; each job's
# end is counted for /metrics/; each worker writes the heartbeat /health/ reads.
request_log.install_log_record_factory()
before_task_publish.connect(request_log.on_task_publish, weak=False)
task_prerun.connect(request_log.on_task_prerun, weak=False)
task_postrun.connect(request_log.on_task_postrun, weak=False)
task_postrun.connect(metrics.on_task_postrun, weak=False)
app.steps["worker"].add(WorkerHeartbeat)
