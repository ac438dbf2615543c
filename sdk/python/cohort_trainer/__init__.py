"""Cohort trainer SDK: run an existing training script as a Cohort node's trainer.

A node daemon started with ``cohort node ... --trainer "python3 train.py"`` runs the script
and talks to it over the trainer contract (proto/cohort/trainer/v1/trainer.proto). The
script sees weights in and weights out; the daemon keeps the network, certificates,
clipping, noise, secure aggregation and the privacy budget::

    import cohort_trainer as cohort

    for task in cohort.tasks(model):              # the daemon's requests, round after round
        if task.evaluate:
            loss, accuracy = test(model)          # the global weights are already in `model`
            task.send_evaluation(len(test_set), accuracy, loss)
            continue
        for epoch in range(task.epochs):
            loss = train_one_epoch(model)
        task.send(model, len(train_set), loss)    # the new local weights

``model`` is a ``torch.nn.Module``, a state dict, or a dict of numpy arrays; its
floating-point tensors are federated, in state-dict order. Run the script with
``COHORT_INIT_MODEL=init.safetensors`` set (and no daemon) to write the initial model for
``cohort coordinator --model init.safetensors`` instead.
"""

import os
import sys
import time

import numpy as np

from . import trainer_pb2 as pb
from ._channel import CONTRACT, Channel, ContractError
from ._tensors import assign, flatten, named_tensors, split
from .safetensors import load_model, save_model

__all__ = ["tasks", "Trainer", "Task", "save_model", "load_model", "ContractError", "CONTRACT"]


class Task:
    """One request of the daemon: train (``task.train``) or evaluate (``task.evaluate``).

    Attributes: ``round``, ``epochs``, ``batch_size``, ``learning_rate``, ``seed``,
    ``options`` (the operator's ``round launch --config`` as a dict of strings), ``deadline``
    (Unix seconds by which to answer), ``weights`` (the global weights, name -> float32 array).
    """

    def __init__(self, trainer, kind, message, weights):
        self._trainer = trainer
        self._request = message.request
        self._started = time.monotonic()
        self.answered = False
        self.kind = kind
        self.train = kind == "train"
        self.evaluate = kind == "evaluate"
        self.round = message.round
        self.options = dict(message.options)
        self.deadline = message.deadline_ms / 1000.0
        self.manifest_sha256 = message.manifest_sha256
        self.epochs = message.epochs if self.train else 0
        self.batch_size = message.batch_size if self.train else 0
        self.learning_rate = message.learning_rate if self.train else 0.0
        self.seed = message.seed if self.train else 0
        self.weights = weights

    def _compute_seconds(self, metrics):
        out = {str(k): float(v) for k, v in (metrics or {}).items()}
        out.setdefault("cohort.compute_seconds", time.monotonic() - self._started)
        return out

    def send(self, model, num_examples, loss=0.0, metrics=None, delta=False):
        """Answer a train request with `model`'s tensors (new local weights, or a delta with ``delta=True``)."""
        if not self.train:
            raise RuntimeError("send() answers a train request; use send_evaluation() for an evaluate request")
        self._trainer._send_train(self, model, int(num_examples), float(loss), self._compute_seconds(metrics), delta)

    def send_evaluation(self, num_examples, accuracy, loss, metrics=None):
        """Answer an evaluate request: examples evaluated, accuracy in [0, 1], mean loss."""
        if not self.evaluate:
            raise RuntimeError("send_evaluation() answers an evaluate request; use send() for a train request")
        self._trainer._send_eval(self, int(num_examples), float(accuracy), float(loss), self._compute_seconds(metrics))

    def fail(self, message):
        """Tell the daemon this request cannot be done (the node declines it; the message stays in its log)."""
        self._trainer._send(pb.TrainerMessage(failure=pb.Failure(request=self._request, message=str(message)[:4096])))
        self.answered = True


class Trainer:
    """The connection to the node daemon, for scripts that want more control than ``tasks()``."""

    def __init__(self, model, train_examples=0, eval_examples=0, name=None, fd=None):
        self.model = model
        self._spec = [(n, shape) for n, (_, shape) in named_tensors(model).items()]
        self._names = [n for n, _ in self._spec]
        self._total = sum(int(np.prod(s, dtype=np.int64)) if s else 1 for _, s in self._spec)
        # The last request's weights as received, for requests with same_weights.
        self._kept = None
        if fd is None:
            fd = _fd_from_environment(model)
        self._channel = Channel(fd)
        self._send(
            pb.TrainerMessage(
                hello=pb.Hello(
                    contract=CONTRACT,
                    trainer=(name or os.path.basename(sys.argv[0]) or "python trainer")[:200],
                    tensors=[pb.Tensor(name=n, shape=list(s)) for n, s in self._spec],
                    num_train_examples=int(train_examples),
                    num_eval_examples=int(eval_examples),
                    keeps_weights=True,
                )
            )
        )

    def _send(self, message):
        self._channel.send(message)

    def close(self):
        self._channel.close()

    def receive(self):
        """The next Task (with its weights loaded into the model), or None when the daemon stops the trainer."""
        message = self._channel.receive()
        if message is None:
            return None
        body = message.WhichOneof("body")
        if body == "shutdown":
            return None
        if body not in ("train", "evaluate"):
            raise ContractError("the daemon sent %s where a request was due" % body)
        request = getattr(message, body)
        if request.same_weights:
            if self._kept is None:
                raise ContractError("the daemon referred to the weights of a previous request, but there was none")
            flat = self._kept.copy()
        else:
            flat = self._receive_weights(request.request)
            self._kept = flat.copy()
        weights = split(flat, self._spec)
        assign(self.model, weights)
        return Task(self, body, request, weights)

    def _receive_weights(self, request_id):
        """The weights that follow request `request_id`, as one float32 vector."""
        flat = np.empty(self._total, dtype="<f4")
        data = memoryview(flat).cast("B")
        filled = 0
        while filled < len(data):
            chunk = self._channel.receive()
            if chunk is None or chunk.WhichOneof("body") != "chunk" or chunk.chunk.request != request_id:
                raise ContractError("the daemon's weights broke off after %d of %d bytes" % (filled, len(data)))
            piece = chunk.chunk.data
            if filled + len(piece) > len(data):
                raise ContractError("the daemon sent more weights than the model holds")
            data[filled:filled + len(piece)] = piece
            filled += len(piece)
        return flat

    def _send_train(self, task, model, num_examples, loss, metrics, delta):
        if task.answered:
            raise RuntimeError("this request was already answered")
        sent = [(n, s) for n, (_, s) in named_tensors(model).items()]
        if sent != self._spec:
            raise ValueError("send() needs the tensors the trainer said hello with: %s; got %s" % (_describe(self._spec), _describe(sent)))
        flat = flatten(model, self._names)
        kind = pb.RESULT_KIND_DELTA if delta else pb.RESULT_KIND_WEIGHTS
        header = pb.TrainResult(
            request=task._request,
            kind=kind,
            tensors=[pb.Tensor(name=n, shape=list(s)) for n, s in self._spec],
            num_examples=num_examples,
            loss=loss,
            metrics=metrics,
        )
        self._send(pb.TrainerMessage(train_result=header))
        self._channel.send_tensor_data(task._request, flat)
        task.answered = True

    def _send_eval(self, task, num_examples, accuracy, loss, metrics):
        if task.answered:
            raise RuntimeError("this request was already answered")
        result = pb.EvaluateResult(request=task._request, num_examples=num_examples, accuracy=accuracy, loss=loss, metrics=metrics)
        self._send(pb.TrainerMessage(evaluate_result=result))
        task.answered = True

    def tasks(self):
        """Iterate over the daemon's requests until it stops the trainer.

        A request the loop body leaves unanswered is answered with a Failure, so the daemon
        declines that task instead of waiting for its deadline.
        """
        try:
            while True:
                task = self.receive()
                if task is None:
                    return
                yield task
                if not task.answered:
                    task.fail("the training script did not answer the %s request" % task.kind)
        finally:
            self.close()


def _describe(spec):
    shown = ", ".join("%s %s" % (n, list(s)) for n, s in spec[:3])
    return shown + (", ... (%d tensors)" % len(spec) if len(spec) > 3 else "")


def _fd_from_environment(model):
    fd = os.environ.get("COHORT_TRAINER_FD")
    if fd is not None:
        return int(fd)
    path = os.environ.get("COHORT_INIT_MODEL")
    if path:
        save_model(model, path)
        sys.stderr.write("cohort_trainer: wrote the initial model (%d tensors) to %s\n" % (len(named_tensors(model)), path))
        sys.exit(0)
    raise RuntimeError(
        "this script runs as a Cohort trainer: start it with `cohort node ... --trainer \"python3 %s\"`, "
        "or set COHORT_INIT_MODEL=FILE to write its initial model for `cohort coordinator --model FILE`" % os.path.basename(sys.argv[0])
    )


def tasks(model, train_examples=0, eval_examples=0, name=None):
    """Connect to the node daemon and iterate over its requests (see the module docstring)."""
    return Trainer(model, train_examples=train_examples, eval_examples=eval_examples, name=name).tasks()
