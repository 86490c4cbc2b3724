"""The scheduler: how an action becomes jobs, stages and tasks on workers.

Read in this order:
  dag.py            DAGScheduler: cuts a job into stages at shuffle boundaries
                    and runs them parents-first.
  stage.py          ShuffleMapStage and ResultStage.
  taskscheduler.py  TaskSets: launching tasks on free workers, retries, locality.
  executor.py       the worker processes and how tasks reach them.
  worker.py         what a worker does with a task (task.py does the work).
  listener.py       the events everything else observes.
"""
