# Scalable Target
resource "aws_appautoscaling_target" "matillion_agent" {
  max_capacity       = 10
  min_capacity       = 2
  resource_id        = "service/${aws_ecs_cluster.main.name}/${aws_ecs_service.main.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  service_namespace  = "ecs"
}

# CPU-based Scaling Policy
resource "aws_appautoscaling_policy" "cpu_scaling" {
  name               = "matillion-agent-cpu-scaling"
  policy_type        = "TargetTrackingScaling"
  resource_id        = aws_appautoscaling_target.matillion_agent.resource_id
  scalable_dimension = aws_appautoscaling_target.matillion_agent.scalable_dimension
  service_namespace  = aws_appautoscaling_target.matillion_agent.service_namespace

  target_tracking_scaling_policy_configuration {
    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
    target_value       = 70.0
    scale_in_cooldown  = 300  # 5 minutes
    scale_out_cooldown = 60   # 1 minute
  }
}

# Memory-based Scaling Policy
resource "aws_appautoscaling_policy" "memory_scaling" {
  name               = "matillion-agent-memory-scaling"
  policy_type        = "TargetTrackingScaling"
  resource_id        = aws_appautoscaling_target.matillion_agent.resource_id
  scalable_dimension = aws_appautoscaling_target.matillion_agent.scalable_dimension
  service_namespace  = aws_appautoscaling_target.matillion_agent.service_namespace

  target_tracking_scaling_policy_configuration {
    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageMemoryUtilization"
    }
    target_value       = 80.0
    scale_in_cooldown  = 300
    scale_out_cooldown = 60
  }
}
