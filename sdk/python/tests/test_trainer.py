"""Tests of the cohort_trainer SDK against a scripted daemon on a socket pair.

Run: PYTHONPATH=sdk/python python3 -m unittest discover -s sdk/python/tests
"""

import os
import socket
import struct
import subprocess
import sys
import tempfile
import unittest
from collections import OrderedDict

import numpy as np

import cohort_trainer as cohort
from cohort_trainer import trainer_pb2 as pb
from cohort_trainer.safetensors import load_model, save_model

try:
    import torch
except ImportError:  # the SDK works without torch; its torch tests are skipped
    torch = None


class FakeDaemon:
    """The daemon's end of the channel, driven step by step by a test."""

    def __init__(self):
        self.sock, theirs = socket.socketpair()
        self.fd = os.dup(theirs.fileno())
        theirs.close()

    def close(self):
        self.sock.close()

    def frame(self, message):
        body = message.SerializeToString()
        self.sock.sendall(struct.pack("<I", len(body)) + body)

    def request(self, kind, request_id, weights, **fields):
        message = pb.DaemonMessage()
        getattr(message, kind).CopyFrom(getattr(pb, "TrainRequest" if kind == "train" else "EvaluateRequest")(request=request_id, **fields))
        self.frame(message)
        if weights is None:  # same_weights: nothing follows
            return
        data = np.ascontiguousarray(weights, dtype="<f4").tobytes()
        for start in range(0, len(data), 4 * 1024 * 1024):
            self.frame(pb.DaemonMessage(chunk=pb.TensorChunk(request=request_id, data=data[start:start + 4 * 1024 * 1024])))

    def _exactly(self, n):
        buf = b""
        while len(buf) < n:
            got = self.sock.recv(n - len(buf))
            if not got:
                raise EOFError
            buf += got
        return buf

    def read(self):
        (n,) = struct.unpack("<I", self._exactly(4))
        message = pb.TrainerMessage()
        message.ParseFromString(self._exactly(n))
        return message

    def read_tensor_data(self, request_id, nbytes):
        data = b""
        while len(data) < nbytes:
            m = self.read()
            assert m.WhichOneof("body") == "chunk" and m.chunk.request == request_id
            assert len(m.chunk.data) <= 4 * 1024 * 1024
            data += m.chunk.data
        return np.frombuffer(data, dtype="<f4")


def numpy_model():
    return OrderedDict([("w", np.zeros((2, 3), dtype=np.float32)), ("b", np.zeros(3, dtype=np.float64)), ("steps", np.array(7, dtype=np.int64))])


class TrainerTest(unittest.TestCase):
    def setUp(self):
        self.daemon = FakeDaemon()

    def tearDown(self):
        self.daemon.close()

    def test_hello_lists_floating_point_tensors_in_order(self):
        trainer = cohort.Trainer(numpy_model(), train_examples=40, eval_examples=10, name="unit", fd=self.daemon.fd)
        self.addCleanup(trainer.close)
        hello = self.daemon.read().hello
        self.assertEqual(hello.contract, "cohort.trainer.v1")
        self.assertEqual(hello.trainer, "unit")
        self.assertEqual([(t.name, list(t.shape)) for t in hello.tensors], [("w", [2, 3]), ("b", [3])])
        self.assertEqual((hello.num_train_examples, hello.num_eval_examples), (40, 10))

    def test_train_loads_the_weights_and_sends_the_new_ones(self):
        model = numpy_model()
        trainer = cohort.Trainer(model, fd=self.daemon.fd)
        self.addCleanup(trainer.close)
        self.daemon.read()
        self.daemon.request("train", 1, np.arange(9), round=4, epochs=2, batch_size=16, learning_rate=0.05, seed=9, options={"lr_decay": "0.7"}, deadline_ms=5_000)
        task = trainer.receive()
        self.assertTrue(task.train)
        self.assertEqual((task.round, task.epochs, task.batch_size, task.seed, task.options), (4, 2, 16, 9, {"lr_decay": "0.7"}))
        self.assertAlmostEqual(task.learning_rate, 0.05)
        self.assertEqual(task.deadline, 5.0)
        np.testing.assert_array_equal(model["w"], np.arange(6).reshape(2, 3))
        np.testing.assert_array_equal(model["b"], [6, 7, 8])
        self.assertEqual(model["b"].dtype, np.float64, "the model keeps its own dtype")
        model["w"] += 1
        task.send(model, num_examples=40, loss=0.25, metrics={"acc": 0.5})
        result = self.daemon.read().train_result
        self.assertEqual((result.request, result.kind, result.num_examples, result.loss), (1, pb.RESULT_KIND_WEIGHTS, 40, 0.25))
        self.assertEqual([t.name for t in result.tensors], ["w", "b"])
        self.assertEqual(result.metrics["acc"], 0.5)
        self.assertIn("cohort.compute_seconds", result.metrics)
        np.testing.assert_array_equal(self.daemon.read_tensor_data(1, 36), [1, 2, 3, 4, 5, 6, 6, 7, 8])

    def test_a_request_with_same_weights_reloads_the_last_weights_received(self):
        model = numpy_model()
        trainer = cohort.Trainer(model, fd=self.daemon.fd)
        self.addCleanup(trainer.close)
        self.assertTrue(self.daemon.read().hello.keeps_weights)
        self.daemon.request("evaluate", 1, np.arange(9), round=2)
        task = trainer.receive()
        task.weights["w"][...] = -1  # what the script does with the copy it is given is its own
        model["w"] += 100
        task.send_evaluation(10, 0.75, 0.5)
        self.daemon.read()
        self.daemon.request("train", 2, None, round=3, epochs=1, same_weights=True)
        task = trainer.receive()
        self.assertTrue(task.train)
        np.testing.assert_array_equal(model["w"], np.arange(6).reshape(2, 3))
        np.testing.assert_array_equal(model["b"], [6, 7, 8])

    def test_same_weights_before_any_weights_breaks_the_contract(self):
        trainer = cohort.Trainer(numpy_model(), fd=self.daemon.fd)
        self.addCleanup(trainer.close)
        self.daemon.read()
        self.daemon.request("train", 1, None, round=1, epochs=1, same_weights=True)
        with self.assertRaisesRegex(cohort.ContractError, "previous request, but there was none"):
            trainer.receive()

    def test_evaluate_and_the_end_of_the_loop(self):
        model = numpy_model()
        trainer = cohort.Trainer(model, fd=self.daemon.fd)
        self.addCleanup(trainer.close)
        self.daemon.read()
        self.daemon.request("evaluate", 1, np.ones(9), round=2)
        self.daemon.request("train", 2, np.ones(9), round=3, epochs=1)
        self.daemon.frame(pb.DaemonMessage(shutdown=pb.Shutdown()))
        seen = []
        for task in trainer.tasks():
            seen.append(task.kind)
            if task.evaluate:
                task.send_evaluation(10, 0.75, 0.5)
            # the train request is left unanswered on purpose
        self.assertEqual(seen, ["evaluate", "train"])
        e = self.daemon.read().evaluate_result
        self.assertEqual((e.request, e.num_examples, e.accuracy, e.loss), (1, 10, 0.75, 0.5))
        f = self.daemon.read().failure
        self.assertEqual(f.request, 2)
        self.assertIn("did not answer the train request", f.message)

    def test_the_loop_ends_when_the_daemon_closes_the_channel(self):
        trainer = cohort.Trainer(numpy_model(), fd=self.daemon.fd)
        self.addCleanup(trainer.close)
        self.daemon.read()
        self.daemon.sock.shutdown(socket.SHUT_WR)
        self.assertEqual(list(trainer.tasks()), [])

    def test_send_refuses_other_tensors_and_the_wrong_answer(self):
        model = numpy_model()
        trainer = cohort.Trainer(model, fd=self.daemon.fd)
        self.addCleanup(trainer.close)
        self.daemon.read()
        self.daemon.request("train", 1, np.zeros(9), epochs=1)
        task = trainer.receive()
        with self.assertRaisesRegex(ValueError, "needs the tensors the trainer said hello with"):
            task.send({"w": np.zeros((3, 2), dtype=np.float32), "b": np.zeros(3)}, 1)
        with self.assertRaisesRegex(RuntimeError, "answers an evaluate request"):
            task.send_evaluation(1, 1.0, 0.0)

    def test_large_models_travel_in_4_MiB_chunks_both_ways(self):
        model = {"big": np.zeros(2_500_000, dtype=np.float32)}
        trainer = cohort.Trainer(model, fd=self.daemon.fd)
        self.addCleanup(trainer.close)
        self.daemon.read()
        weights = np.random.default_rng(1).standard_normal(2_500_000).astype(np.float32)
        import threading

        feeder = threading.Thread(target=self.daemon.request, args=("train", 1, weights), kwargs={"epochs": 1})
        feeder.start()
        task = trainer.receive()
        feeder.join()
        np.testing.assert_array_equal(model["big"], weights)
        model["big"] *= 2
        sender = threading.Thread(target=task.send, args=(model, 5))
        sender.start()
        self.daemon.read()
        out = self.daemon.read_tensor_data(1, 10_000_000)
        sender.join()
        np.testing.assert_array_equal(out, weights * 2)

    @unittest.skipIf(torch is None, "PyTorch is not installed")
    def test_torch_modules_federate_float_tensors_and_keep_integer_buffers_local(self):
        net = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
        trainer = cohort.Trainer(net, fd=self.daemon.fd)
        self.addCleanup(trainer.close)
        names = [t.name for t in self.daemon.read().hello.tensors]
        self.assertEqual(names, ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var"])
        self.daemon.request("train", 1, np.arange(16), epochs=1)
        task = trainer.receive()
        self.assertEqual(net[0].weight.tolist(), [[0, 1, 2], [3, 4, 5]])
        self.assertEqual(net[1].running_var.tolist(), [14, 15])
        with torch.no_grad():
            net[0].bias.add_(1)
        task.send(net, 3)
        self.daemon.read()
        np.testing.assert_array_equal(self.daemon.read_tensor_data(1, 64)[6:8], [7, 8])


class ModelFileTest(unittest.TestCase):
    def test_save_and_load_round_trip_in_state_dict_order(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.safetensors")
            save_model(numpy_model(), path, {"note": "x"})
            arrays, metadata = load_model(path)
            self.assertEqual(list(arrays), ["w", "b"])
            self.assertEqual(arrays["b"].dtype, np.float32)
            self.assertEqual(metadata, {"note": "x"})
            with open(path, "rb") as f:
                (n,) = struct.unpack("<Q", f.read(8))
            self.assertEqual(n % 8, 0)

    def test_load_refuses_files_that_do_not_add_up(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "bad.safetensors")
            header = b'{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}'
            with open(path, "wb") as f:
                f.write(struct.pack("<Q", len(header)) + header + b"\0" * 8)
            with self.assertRaisesRegex(ValueError, "ends at byte 16, the file has 8 bytes of data"):
                load_model(path)

    def test_init_model_is_written_when_no_daemon_started_the_script(self):
        script = "import numpy as np, cohort_trainer as c\nfor t in c.tasks({'w': np.ones((2, 2), np.float32)}):\n    pass\n"
        env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(cohort.__file__)))
        env.pop("COHORT_TRAINER_FD", None)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "init.safetensors")
            done = subprocess.run([sys.executable, "-c", script], env=dict(env, COHORT_INIT_MODEL=path), capture_output=True, text=True)
            self.assertEqual(done.returncode, 0, done.stderr)
            arrays, _ = load_model(path)
            np.testing.assert_array_equal(arrays["w"], np.ones((2, 2)))
            plain = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
            self.assertNotEqual(plain.returncode, 0)
            self.assertIn("start it with `cohort node ... --trainer", plain.stderr)


if __name__ == "__main__":
    unittest.main()
