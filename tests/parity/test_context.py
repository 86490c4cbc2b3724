"""SparkContext and SparkConf.

A program reaches its own engine's SparkConf class through ``type(sc.getConf())``,
so the same code runs on both. Only keys the program sets are compared: PySpark's
launcher adds its own (driver host, ports, app id) that minispark has no reason to.
"""

from operator import add

import pytest

KEYS = ("parity.a", "parity.b", "parity.c", "spark.parity.x")


def new_conf(sc):
    return type(sc.getConf())(loadDefaults=False)


def mine(pairs):
    return sorted((k, v) for k, v in pairs if k in KEYS)


def _conf_round_trip(sc):
    conf = new_conf(sc)
    out = {"set_returns_self": conf.set("parity.a", "1") is conf}
    conf.set("parity.b", 2)  # not a str: PySpark stores str(value)
    out["get"] = conf.get("parity.a")
    out["get_non_str"] = conf.get("parity.b")
    out["get_missing"] = conf.get("parity.c")
    out["get_missing_default"] = conf.get("parity.c", "dflt")
    out["get_present_default"] = conf.get("parity.a", "dflt")
    out["contains"] = (conf.contains("parity.a"), conf.contains("parity.c"))
    conf.setIfMissing("parity.a", "ignored")
    conf.setIfMissing("parity.c", "3")
    out["setIfMissing"] = (conf.get("parity.a"), conf.get("parity.c"))
    out["setAll_returns_self"] = conf.setAll([("spark.parity.x", "x"), ("parity.a", "10")]) is conf
    out["getAll"] = mine(conf.getAll())
    out["overwrite"] = conf.set("parity.a", "11").get("parity.a")
    return out


def _conf_setters(sc):
    conf = new_conf(sc)
    conf.setMaster("local[3]").setAppName("renamed").setSparkHome("/opt/spark")
    conf.setExecutorEnv("PARITY_ENV", "1")
    conf.setExecutorEnv(pairs=[("PARITY_ENV2", "2")])
    return {
        k: conf.get(k)
        for k in ("spark.master", "spark.app.name", "spark.home",
                  "spark.executorEnv.PARITY_ENV", "spark.executorEnv.PARITY_ENV2")
    }


def _conf_debug_string(sc):
    conf = new_conf(sc).set("parity.b", "2").set("parity.a", "1")
    return sorted(conf.toDebugString().splitlines())


def _running_conf(sc):
    conf = sc.getConf()
    return {
        "app_name": conf.get("spark.app.name"),
        "master": conf.get("spark.master"),
        "contains_master": conf.contains("spark.master"),
        "type": type(conf).__name__,
        "getConf_is_copy": sc.getConf() is not sc.getConf(),
    }


def _local_properties(sc):
    sc.setLocalProperty("parity.prop", "v1")
    got = sc.getLocalProperty("parity.prop")
    missing = sc.getLocalProperty("parity.missing")
    sc.setLocalProperty("parity.prop", None)
    return got, missing, sc.getLocalProperty("parity.prop")


def _broadcast(sc):
    table = sc.broadcast({1: "one", 2: "two"})
    out = sc.parallelize([1, 2, 3], 2).map(lambda x: table.value.get(x, "?")).glom().collect()
    value = table.value
    table.unpersist()
    return out, value


def _accumulator(sc):
    acc = sc.accumulator(0)
    sc.parallelize(range(10), 3).foreach(lambda x: acc.add(x))
    facc = sc.accumulator(0.5)
    sc.parallelize([0.25, 0.25], 2).foreach(lambda x: facc.add(x))
    return acc.value, facc.value


def _accumulator_iadd(sc):
    acc = sc.accumulator(1)

    def bump(it):
        nonlocal acc
        for x in it:
            acc += x

    sc.parallelize(range(5), 2).foreachPartition(bump)
    return acc.value


PROGRAMS = {
    "conf_round_trip": _conf_round_trip,
    "conf_setters": _conf_setters,
    "conf_toDebugString": _conf_debug_string,
    "running_conf": _running_conf,
    "defaultParallelism": lambda sc: sc.defaultParallelism,
    "defaultMinPartitions": lambda sc: sc.defaultMinPartitions,
    "version_type": lambda sc: type(sc.version).__name__,
    "version": lambda sc: sc.version,
    "appName": lambda sc: sc.appName,
    "master": lambda sc: sc.master,
    "startTime_type": lambda sc: type(sc.startTime).__name__,
    "applicationId_type": lambda sc: type(sc.applicationId).__name__,
    "sparkUser_type": lambda sc: type(sc.sparkUser()).__name__,
    "getOrCreate_returns_running": lambda sc: type(sc).getOrCreate() is sc,
    "emptyRDD": lambda sc: (sc.emptyRDD().glom().collect(), sc.emptyRDD().getNumPartitions(),
                            sc.emptyRDD().count(), sc.emptyRDD().isEmpty()),
    "union_list": lambda sc: sc.union([sc.parallelize([1, 2], 2), sc.parallelize([3], 1),
                                       sc.parallelize([], 2)]).glom().collect(),
    "union_one": lambda sc: sc.union([sc.parallelize([1, 2], 2)]).glom().collect(),
    "union_partitioned": lambda sc: (lambda u: (u.getNumPartitions(), u.glom().collect()))(
        sc.union([sc.parallelize([(i, i) for i in range(6)], 2).partitionBy(3),
                  sc.parallelize([(i, -i) for i in range(4)], 1).partitionBy(3)])),
    "range": lambda sc: sc.range(7).glom().collect(),
    "range_args": lambda sc: sc.range(2, 20, 5, 3).glom().collect(),
    "parallelize_default_slices": lambda sc: sc.parallelize([1, 2, 3, 4, 5]).getNumPartitions(),
    "local_properties": _local_properties,
    "job_group_then_job": lambda sc: (sc.setJobGroup("g", "desc"),
                                      sc.parallelize([1], 1).count()),
    "broadcast": _broadcast,
    "accumulator": _accumulator,
    "accumulator_iadd": _accumulator_iadd,
    "sum_via_reduce_after_context_calls": lambda sc: sc.parallelize(range(4), 2).reduce(add),
}


@pytest.mark.parametrize("program", PROGRAMS.values(), ids=PROGRAMS.keys())
def test_program(check, program):
    check(program)
