#!/usr/bin/env python3
"""M/M/c in Python, for the speed comparison of the paper (make bench-alt).

The model is the one of spate-bench case (a): Poisson arrivals at rate
lambda, c identical exponential servers at rate mu, FIFO, run until
`customers` have departed. Two implementations:

  simpy  the idiomatic SimPy 2 process-interaction model (Debian's
         python3-simpy is SimPy 2.3): a source process activates one
         customer process per arrival; a customer requests a Resource of
         capacity c, holds for its service time and releases it.
  heapq  a bare event-scheduling loop on Python's heapq, with the same two
         event kinds as spate-bench (a): a lower bound for any Python
         simulator, framework overhead removed.

Both count model events the way spate-bench does (one arrival and one
departure per customer), so events/s = 2 x customers/s. The mean wait in
queue is printed next to its exact (Erlang C) value as a check that the
model is the same. Output: one `key=value ...` line.
"""
import argparse
import heapq
import math
import random
import sys
import time


def erlang_c_wq(c, lam, mu):
    """Exact mean wait in queue of M/M/c (Erlang C via the Erlang B recursion)."""
    a = lam / mu
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    pw = b / (1 - (a / c) * (1 - b))
    return pw / (c * mu - lam)


def run_heapq(customers, c, lam, mu, seed):
    rnd = random.Random(seed)
    exp = rnd.expovariate
    ARR, DEP = 0, 1
    cal = [(exp(lam), 0, ARR)]
    seq = 1
    busy = 0
    waiting = []          # arrival times of the queued customers, FIFO
    head = 0
    arrived = done = 0
    wait_sum = 0.0
    while done < customers:
        t, _, kind = heapq.heappop(cal)
        if kind == ARR:
            arrived += 1
            if busy < c:
                busy += 1
                heapq.heappush(cal, (t + exp(mu), seq, DEP))
                seq += 1
            else:
                waiting.append(t)
            if arrived < customers:
                heapq.heappush(cal, (t + exp(lam), seq, ARR))
                seq += 1
        else:
            done += 1
            if head < len(waiting):
                wait_sum += t - waiting[head]
                head += 1
                if head > 4096 and head * 2 > len(waiting):
                    del waiting[:head]
                    head = 0
                heapq.heappush(cal, (t + exp(mu), seq, DEP))
                seq += 1
            else:
                busy -= 1
    return wait_sum / customers


def run_simpy(customers, c, lam, mu, seed):
    from SimPy.Simulation import (Process, Resource, Simulation, hold,
                                  release, request)

    sim = Simulation()
    sim.initialize()
    rnd = random.Random(seed)
    exp = rnd.expovariate
    server = Resource(capacity=c, sim=sim)
    stats = {"done": 0, "wait": 0.0}

    class Customer(Process):
        def visit(self):
            t0 = self.sim.now()
            yield request, self, server
            stats["wait"] += self.sim.now() - t0
            yield hold, self, exp(mu)
            yield release, self, server
            stats["done"] += 1
            if stats["done"] == customers:
                self.sim.stopSimulation()

    class Source(Process):
        def generate(self):
            for _ in range(customers):
                yield hold, self, exp(lam)
                cust = Customer(sim=self.sim)
                self.sim.activate(cust, cust.visit())

    src = Source(sim=sim)
    sim.activate(src, src.generate())
    sim.simulate(until=1e300)
    if stats["done"] != customers:
        sys.exit("simpy: only %d of %d customers departed" % (stats["done"], customers))
    return stats["wait"] / customers


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--impl", choices=["simpy", "heapq"], required=True)
    ap.add_argument("--customers", type=int, default=1000000)
    ap.add_argument("--servers", type=int, default=10)
    ap.add_argument("--lam", type=float, default=9.0)
    ap.add_argument("--mu", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if a.customers < 1 or a.servers < 1 or not a.lam < a.servers * a.mu:
        sys.exit("need customers >= 1, servers >= 1 and lam < servers * mu")
    fn = run_simpy if a.impl == "simpy" else run_heapq
    t0 = time.perf_counter()
    wq = fn(a.customers, a.servers, a.lam, a.mu, a.seed)
    sec = time.perf_counter() - t0
    exact = erlang_c_wq(a.servers, a.lam, a.mu)
    print("impl=%s customers=%d servers=%d rho=%.3g seconds=%.4f events_per_s=%.6g "
          "msgs_per_s=%.6g mean_wait=%.6g exact_wait=%.6g python=%s" % (
              a.impl, a.customers, a.servers, a.lam / (a.servers * a.mu), sec,
              2 * a.customers / sec, a.customers / sec, wq, exact,
              sys.version.split()[0]))


if __name__ == "__main__":
    main()
