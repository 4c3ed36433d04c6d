import sys
import types

from ner.gpu import gpu


def test_without_spaces_the_function_is_unchanged(monkeypatch):
    monkeypatch.setitem(sys.modules, "spaces", None)  # makes `import spaces` fail

    def work():
        return 42

    assert gpu(60)(work) is work


def test_with_spaces_gpu_work_is_wrapped_with_its_duration(monkeypatch):
    seen = []
    spaces = types.ModuleType("spaces")

    def GPU(duration):  # the shape of spaces.GPU(duration=...)
        def wrap(fn):
            def run(*a, **k):
                seen.append(duration)
                return fn(*a, **k)
            return run
        return wrap

    spaces.GPU = GPU
    monkeypatch.setitem(sys.modules, "spaces", spaces)
    assert gpu(120)(lambda x: x + 1)(1) == 2
    assert seen == [120]


def test_a_loaded_model_is_wrapped_not_patched(monkeypatch):
    from ner.models import GpuPredictor

    seen = []
    spaces = types.ModuleType("spaces")
    spaces.GPU = lambda duration: lambda fn: lambda *a, **k: (seen.append(duration), fn(*a, **k))[1]
    monkeypatch.setitem(sys.modules, "spaces", spaces)

    class Model:
        name = "crf-sample"

        def predict(self, texts):
            return [[] for _ in texts]

    model = Model()
    wrapped = GpuPredictor.wrap(model, seconds=30)
    assert "predict" not in vars(model)  # the model itself is left as it was
    assert wrapped.name == "crf-sample"
    assert wrapped.predict(["a", "b"]) == [[], []]
    assert seen == [30]
