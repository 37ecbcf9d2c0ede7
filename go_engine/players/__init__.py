"""Everything that chooses a move: the player protocol, the registry behind ``--player``, every
player (random, rollout policy, MCTS, policy network, AlphaGo), time control and the ownership
judgement GTP's scoring commands use. The top layer of the engine."""
