"""Lambda, locally: function instances loaded from ``functions/<name>/app.py`` and the
``context`` object the Python runtime passes to a handler."""

from __future__ import annotations

import importlib.util
import itertools
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

from roster_local.template import FunctionSpec


class UnknownFunction(LookupError):
    """No (scheduled) function of that name in the template."""


class FunctionFailed(RuntimeError):
    """A function raised (or could not be loaded); the original error is the ``__cause__``."""


@dataclass
class LocalLambdaContext:
    """What the Lambda Python runtime passes as ``context``."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    aws_request_id: str
    timeout_seconds: int
    function_version: str = "$LATEST"
    identity: Any = None
    client_context: Any = None
    _started: float = field(default_factory=time.monotonic)

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{self.aws_request_id.replace('-', '')}"

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self._started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))


# --------------------------------------------------------------------------- Powertools

_per_thread = threading.local()


class _PerThreadAttribute:
    """A class attribute whose value is the calling thread's own."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        try:
            return getattr(_per_thread, self.name)
        except AttributeError:
            raise AttributeError(self.name) from None

    def __set__(self, instance: object, value: Any) -> None:
        setattr(_per_thread, self.name, value)


def isolate_powertools_requests() -> None:
    """Make Powertools' "current request" per thread (once Powertools is loaded).

    Powertools resolvers keep the event on a *class* attribute,
    ``BaseRouter.current_event`` (and ``lambda_context``), shared by every resolver in
    the process, so separate function instances are not enough once two threads serve
    requests. (In Lambda a process serves one event at a time.) Both attributes become
    per-thread through a data descriptor on ``BaseRouter``'s metaclass (the class-level
    assignments in ``resolve``) and on ``BaseRouter`` itself (reads through instances).
    """
    module = sys.modules.get("aws_lambda_powertools.event_handler.api_gateway")
    if module is None:
        return
    base_router: Any = module.BaseRouter
    if getattr(type(base_router), "_roster_per_thread", False):
        return
    names = ("current_event", "lambda_context")
    for name in names:
        type.__setattr__(base_router, name, _PerThreadAttribute(name))
    namespace: dict[str, Any] = {name: _PerThreadAttribute(name) for name in names}
    namespace["_roster_per_thread"] = True
    base_router.__class__ = type("PerThreadRouterMeta", (type(base_router),), namespace)


# --------------------------------------------------------------------------- instances

_module_serial = itertools.count(1)
_import_path_lock = threading.Lock()


@dataclass(frozen=True)
class FunctionInstance:
    module: ModuleType
    handler: Any


class FunctionPool:
    """Loaded copies of one function. Each serves one event at a time, like a Lambda
    execution environment; a request that finds none free loads another (scaling out)."""

    def __init__(self, spec: FunctionSpec) -> None:
        self.spec = spec
        self.loaded = 0
        self._free: list[FunctionInstance] = []
        self._lock = threading.Lock()

    @contextmanager
    def instance(self) -> Iterator[FunctionInstance]:
        with self._lock:
            instance = self._free.pop() if self._free else None
        if instance is None:
            instance = self._load()
        try:
            yield instance
        finally:
            with self._lock:
                self._free.append(instance)

    def _load(self) -> FunctionInstance:
        path = self.spec.module_file
        name = f"roster_fn_{self.spec.name}_{next(_module_serial)}"
        module_spec = importlib.util.spec_from_file_location(name, path)
        if module_spec is None or module_spec.loader is None:
            raise ImportError(f"cannot load {path}")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module  # pydantic and dataclasses look their module up there
        try:
            if self._has_sibling_modules():
                with _import_path_lock:
                    sys.path.insert(0, str(self.spec.code_dir))
                    try:
                        module_spec.loader.exec_module(module)
                    finally:
                        sys.path.remove(str(self.spec.code_dir))
            else:
                module_spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(name, None)
            raise
        isolate_powertools_requests()
        with self._lock:
            self.loaded += 1
        return FunctionInstance(module, getattr(module, self.spec.handler_name))

    def _has_sibling_modules(self) -> bool:
        own = self.spec.module_file.resolve()
        return any(
            entry.resolve() != own and (entry.suffix == ".py" or (entry / "__init__.py").is_file())
            for entry in self.spec.code_dir.iterdir()
        )
