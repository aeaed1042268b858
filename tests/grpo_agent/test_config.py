"""`GRPOConfig`: YAML + typed ``--set`` overrides, derived fields, help per field, the CLI."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import gymnasium
import pytest
from conftest import AddEnv, make_model, make_tokenizer

from grpo_agent import train_cli
from grpo_agent.config import GRPOConfig, field_help, load_config, parse_overrides
from grpo_agent.errors import ConfigError

CONFIGS = sorted(Path(__file__).parents[2].joinpath("configs").glob("*.yaml"))


def test_overrides_are_typed_by_the_field() -> None:
    cfg = load_config(
        None,
        [
            "learning_rate=1e-5",  # YAML 1.1 reads this as a string; the float field converts
            "group_size=4",
            "name=007",  # a str field keeps what was written
            "dynamic_sampling=true",
            "system_prompt=null",
            "env_kwargs={suite: mbpp, sandbox: local}",
            "lora_target_modules=q_proj,v_proj",
        ],
    )
    assert cfg.learning_rate == 1e-5 and cfg.group_size == 4 and cfg.name == "007"
    assert cfg.dynamic_sampling is True and cfg.system_prompt is None
    assert cfg.env_kwargs == {"suite": "mbpp", "sandbox": "local"}
    assert cfg.lora_target_modules == ["q_proj", "v_proj"]


def test_derived_fields_follow_the_inputs() -> None:
    cfg = load_config(None, ["tasks_per_step=3", "group_size=5", "micro_batch_size=4", "name=x"])
    assert (cfg.batch_size, cfg.grad_accum_steps) == (15, 4)
    assert cfg.run_dir.endswith("runs/x")


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("learnin_rate=1", "did you mean 'learning_rate'"),
        ("group_size=two", "group_size: expected int"),
        ("aggregation=sum", "choose one of"),
        ("group_size=1", "group_size must be >= 2"),
        ("max_new_tokens=4096", "must be < max_seq_len"),
        ("noequals", "key=value"),
        ("eval_splits=[val, dev]", "name each of"),
        ("eval_splits=[test, test]", "name each of"),
        ("eval_max_turns=-1", "eval_max_turns must be >= 0"),
    ],
)
def test_bad_values_are_refused_with_the_fix(override: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(None, [override])


def test_every_field_has_help() -> None:
    helps = field_help()
    missing = [f.name for f in dataclasses.fields(GRPOConfig) if not helps.get(f.name)]
    assert missing == []


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_shipped_configs_load(path: Path) -> None:
    assert load_config(path).batch_size > 0


def test_yaml_file_then_overrides(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("beta: 0.0\nclip_high: 0.28\nname: a\n")
    cfg = load_config(path, ["name=b"])
    assert (cfg.beta, cfg.clip_high, cfg.name) == (0.0, 0.28, "b")
    assert parse_overrides(["top_k=0"]) == {"top_k": 0}


def test_codegym_train_runs_a_registered_env_end_to_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI path: YAML + --set, a model folder, an env built by gymnasium.make."""
    model_dir = tmp_path / "tiny"
    make_model(0).save_pretrained(model_dir)
    make_tokenizer().save_pretrained(model_dir)
    gymnasium.register("codegym-test/Add-v0", entry_point=AddEnv, disable_env_checker=True)
    try:
        (tmp_path / "run.yaml").write_text(
            f"model: {model_dir}\nenv_id: codegym-test/Add-v0\ntask_ids: [add-1, add-2]\n"
            "tasks_per_step: 2\ngroup_size: 2\nmax_new_tokens: 4\nmax_seq_len: 64\ndevice: cpu\n"
        )
        parser = __import__("argparse").ArgumentParser()
        train_cli.add_arguments(parser)
        args = parser.parse_args(
            [
                "--config",
                str(tmp_path / "run.yaml"),
                "--set",
                "max_steps=2",
                "--set",
                f"output_dir={tmp_path}",
            ]
        )
        assert train_cli.run(args) == 0
    finally:
        gymnasium.registry.pop("codegym-test/Add-v0")
    assert "finished at step 2" in capsys.readouterr().out
    assert (tmp_path / "grpo/checkpoints/step_000002/trainer_state.pt").is_file()


def test_list_options_prints_fields_with_help(capsys: pytest.CaptureFixture[str]) -> None:
    parser = __import__("argparse").ArgumentParser()
    train_cli.add_arguments(parser)
    assert train_cli.run(parser.parse_args(["--list-options"])) == 0
    out = capsys.readouterr().out
    assert "clip_high = 0.2" in out and "clip-higher" in out and "batch_size = 64 (derived)" in out


def test_eval_fields_choose_what_is_evaluated_and_how() -> None:
    from grpo_agent.evaluation import eval_settings, eval_tasks

    base = ["eval_suite=codegym-functions", "max_turns=3"]
    both = eval_tasks(load_config(None, [*base, "eval_splits=val,test"]))
    assert list(both) == ["val", "test"]
    assert {t.split for t in both["val"]} == {"val"} and len(both["val"]) >= 90
    assert {t.split for t in both["test"]} == {"test"}
    limited = eval_tasks(load_config(None, [*base, "eval_splits=[test, val]", "eval_limit=5"]))
    assert list(limited) == ["test", "val"] and [len(v) for v in limited.values()] == [5, 5]
    assert list(eval_tasks(load_config(None, base))) == ["test"]  # the default
    assert eval_settings(load_config(None, base)).max_turns == 3  # 0: the training turns
    assert eval_settings(load_config(None, [*base, "eval_max_turns=1"])).max_turns == 1


def test_eval_cli_offers_the_compute_dtypes_the_precision_module_knows() -> None:
    from grpo_agent import eval_cli
    from grpo_agent.precision import COMPUTE_DTYPES

    parser = argparse.ArgumentParser()
    eval_cli.add_arguments(parser)
    action = next(a for a in parser._actions if a.dest == "compute_dtype")
    assert action.choices is not None and tuple(action.choices) == COMPUTE_DTYPES
    assert action.default == "auto"


@pytest.mark.parametrize("key", ["run_dir", "batch_size", "grad_accum_steps"])
def test_setting_a_derived_field_is_an_error_that_names_its_parts(key: str) -> None:
    """A derived field in --set used to be dropped without a word (the run went elsewhere)."""
    with pytest.raises(ConfigError, match=f"{key} is derived"):
        load_config(None, [f"{key}=3"])
    saved = GRPOConfig(name="x").to_dict()  # a saved config.yaml holds them: still loads
    assert GRPOConfig.from_dict(saved).run_dir == GRPOConfig(name="x").run_dir
